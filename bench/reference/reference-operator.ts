// Runs the reference Go operator out of cluster next to ours, as its README says (deployment
// controller only), for the benchmarks and the parity and takeover tests.
import { spawn, type ChildProcess } from "node:child_process";
import { parseAllDocuments } from "yaml";
import type { KubeClient } from "@openmcp-ts/kube";
import { referenceCrdManifests, referenceOperatorBinary } from "./build-reference-operator.ts";

/** The field manager the reference's requests carry (controller-runtime's default: the binary's name). */
export const REFERENCE_FIELD_MANAGER = "openmcp-operator";

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/**
 * Installs the reference's own platform CRDs as its `init` does (create, so the fields are written
 * with an Update by its field manager), and waits until they are Established. CRDs already there
 * are left as they are.
 */
export async function installReferenceCrds(client: KubeClient): Promise<string[]> {
  const crds = (await referenceCrdManifests()).flatMap((text) =>
    parseAllDocuments(text).map((d) => d.toJS() as Crd),
  );
  for (const crd of crds) {
    try {
      await client.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
        body: crd,
        query: { fieldManager: REFERENCE_FIELD_MANAGER },
        verb: "create",
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) {
        throw new Error(
          `cannot install the reference's CRD ${crd.metadata.name}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
    }
  }
  for (const crd of crds) {
    for (let i = 0; ; i++) {
      const live = await client.get<Crd>({
        apiVersion: crd.apiVersion,
        kind: crd.kind,
        name: crd.metadata.name,
      });
      if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (i > 300) throw new Error(`the reference's CRD ${crd.metadata.name} is not Established after 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return crds.map((c) => c.metadata.name);
}

export interface ReferenceProcess {
  child: ChildProcess;
  /** Its log lines so far (JSON). */
  logs: string[];
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it is gone. */
  stop(): Promise<void>;
}

export interface ReferenceRunOptions {
  kubeconfig: string;
  namespace: string;
  environment: string;
  leaderElect?: boolean;
  /** POD_NAME: the leader election identity starts with the host name; this is for its logs. */
  id?: string;
  verbosity?: "debug" | "info" | "error";
  /** `--controllers`; default the deployment controller alone (scheduler, accessrequest for a landscape). */
  controllers?: readonly string[];
  extraArgs?: readonly string[];
}

/** Starts `openmcp-operator run --controllers=deploymentcontroller` or others (built on first use). */
export async function spawnReferenceOperator(options: ReferenceRunOptions): Promise<ReferenceProcess> {
  const binary = await referenceOperatorBinary();
  const child = spawn(
    binary,
    [
      "run",
      `--controllers=${(options.controllers ?? ["deploymentcontroller"]).join(",")}`,
      `--environment=${options.environment}`,
      `--kubeconfig=${options.kubeconfig}`,
      "--metrics-bind-address=0",
      "--health-probe-bind-address=0",
      `--verbosity=${options.verbosity ?? "info"}`,
      ...(options.leaderElect ? ["--leader-elect"] : []),
      ...(options.extraArgs ?? []),
    ],
    {
      env: { ...process.env, POD_NAMESPACE: options.namespace, POD_NAME: options.id ?? "reference" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const logs: string[] = [];
  let partial = "";
  const onData = (chunk: Buffer): void => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    logs.push(...lines.filter(Boolean));
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    logs,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
