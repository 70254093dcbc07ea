import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import {
  API_VERSION,
  CLUSTERS_API_VERSION,
  accessRequestCrd,
  clusterRequestCrd,
  providerCrd,
  stableRequestName,
  type PodSpec,
  type ServiceProvider,
} from "@openmcp-ts/contract";
import { KubeClient } from "@openmcp-ts/kube";
import { installCrds } from "@openmcp-ts/provider-sdk";
import { resolvePodEnv } from "@openmcp-ts/landscape";
import { renderInitObjects, renderRunObjects } from "@openmcp-ts/render";
import { eventually, startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";
import { EXAMPLE_API_VERSION, EXAMPLE_GVK } from "./example-crd.ts";
import { CONTROLLER_NAME, exampleProvider } from "./example-provider.ts";
import { configMapName } from "./reconcile-example.ts";

const SYSTEM_NS = "openmcp-system";
const REPO_ROOT = join(import.meta.dirname, "../../..");
const MAIN = join(import.meta.dirname, "main.ts");
const CTX = { environment: "test", namespace: SYSTEM_NS, webhookSecretPresent: false };

interface ExampleProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** The JSON log lines written so far. */
  lines(): { msg: string; [field: string]: unknown }[];
  stderr(): string;
}

/**
 * Runs the example's main as its own process with the rendered pod's args and env, resolving the
 * env's field references as the kubelet would (the landscape's pod runner does the same);
 * KUBECONFIG stands in for the in-cluster config.
 */
function startExample(pod: PodSpec, kubeconfigPath: string, podName: string): ExampleProcess {
  const container = pod.containers[0];
  assert.ok(container?.args, "the rendered pod has a container with args");
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    ...resolvePodEnv({ metadata: { name: podName, namespace: SYSTEM_NS }, spec: pod }),
    KUBECONFIG: kubeconfigPath,
  };
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...container.args], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  return {
    child,
    exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
    stderr: () => stderr,
    lines: () =>
      stderr
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { msg: string }),
  };
}

describe("service-provider-example against a real apiserver", () => {
  let cp: ControlPlane;
  let platform: KubeClient;
  let provider: ServiceProvider;
  before(async () => {
    cp = await startControlPlane();
    platform = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    await platform.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: SYSTEM_NS } }, "test");
    await installCrds({ platform }, [
      providerCrd("ServiceProvider"),
      clusterRequestCrd(),
      accessRequestCrd(),
    ]);
    provider = await platform.create<ServiceProvider>({
      apiVersion: API_VERSION,
      kind: "ServiceProvider",
      metadata: { name: "example" },
      spec: { image: "ghcr.io/openmcp-project/service-provider-example:dev" },
    });
    // The onboarding cluster is this same apiserver: the access Secret carries its kubeconfig.
    await platform.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "onboarding-access", namespace: SYSTEM_NS },
        data: { kubeconfig: Buffer.from(cp.kubeconfigYaml).toString("base64") },
      },
      "test",
    );
  });
  after(async () => {
    await cp?.stop();
  });

  /** Plays the scheduler and the cluster provider for one local name. */
  async function grantAccess(localName: string): Promise<void> {
    const name = stableRequestName(CONTROLLER_NAME, localName);
    const ref = (kind: string) => ({ apiVersion: CLUSTERS_API_VERSION, kind, namespace: SYSTEM_NS, name });
    await eventually(`ClusterRequest ${name}`, () => platform.find(ref("ClusterRequest")), 20_000);
    await platform.patch(
      ref("ClusterRequest"),
      "merge",
      {
        status: {
          phase: "Granted",
          observedGeneration: 1,
          cluster: { name: "onboarding", namespace: "clusters" },
        },
      },
      { subresource: "status" },
    );
    await eventually(`AccessRequest ${name}`, () => platform.find(ref("AccessRequest")), 20_000);
    await platform.patch(
      ref("AccessRequest"),
      "merge",
      { status: { phase: "Granted", observedGeneration: 1, secretRef: { name: "onboarding-access" } } },
      { subresource: "status" },
    );
  }

  it("init, run as a process with the operator's args, installs the CRD on onboarding and registers it", async () => {
    const init = startExample(
      renderInitObjects(provider, CTX).job.spec.template.spec,
      cp.kubeconfigPath,
      "sp-example-init-abcde",
    );
    try {
      await grantAccess("onboarding-init");
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        init.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`init did not exit:\n${init.stderr()}`)), 20_000);
        }),
      ]).finally(() => clearTimeout(timer));
      assert.equal(code, 0, init.stderr());
    } finally {
      init.child.kill();
    }
    const messages = init.lines().map((l) => l.msg);
    const stderr = init.stderr();
    assert.ok(messages.includes("resources registered"), stderr);
    const sp = await platform.get<ServiceProvider>({
      apiVersion: API_VERSION,
      kind: "ServiceProvider",
      name: "example",
    });
    assert.deepEqual(sp.status?.resources, [EXAMPLE_GVK]);
    const crd = await platform.get<{ status?: { conditions?: { type: string; status: string }[] } }>({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: "examples.example.services.openmcp.cloud",
    });
    assert.ok(crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"));
  });

  it("run reconciles Examples into ConfigMaps and stops on abort", async () => {
    const args = renderRunObjects(provider, CTX).deployment.spec.template.spec.containers[0]?.args ?? [];
    const stop = new AbortController();
    const logs: string[] = [];
    const done = exampleProvider().main(
      args,
      { KUBECONFIG: cp.kubeconfigPath, POD_NAMESPACE: SYSTEM_NS, POD_NAME: "sp-example-0" },
      { signal: stop.signal, stderr: (l) => void logs.push(l), stdout: (l) => void logs.push(l) },
    );
    try {
      await grantAccess("onboarding");
      platform.registerPlural("Example", "examples");
      await platform.apply(
        {
          apiVersion: EXAMPLE_API_VERSION,
          kind: "Example",
          metadata: { name: "hello", namespace: "default" },
          spec: { data: { greeting: "hello" } },
        },
        "test",
      );
      const cm = await eventually("ConfigMap of Example hello", () =>
        platform.find<{ data?: Record<string, string>; metadata: { ownerReferences?: { kind: string }[] } }>({
          apiVersion: "v1",
          kind: "ConfigMap",
          namespace: "default",
          name: configMapName("hello"),
        }),
      );
      assert.deepEqual(cm.data, { greeting: "hello" });
      assert.equal(cm.metadata.ownerReferences?.[0]?.kind, "Example");
    } finally {
      stop.abort();
    }
    assert.equal(await done, 0, logs.join(""));
  });
  it("two run processes with --leader-elect=true: one reconciles, the other takes over when it is killed", async () => {
    const ha = await platform.create<ServiceProvider>({
      apiVersion: API_VERSION,
      kind: "ServiceProvider",
      metadata: { name: "example-ha" },
      spec: {
        image: "ghcr.io/openmcp-project/service-provider-example:dev",
        runReplicas: 2,
        verbosity: "DEBUG",
      },
    });
    const pod = renderRunObjects(ha, CTX).deployment.spec.template.spec;
    const args = pod.containers[0]?.args ?? [];
    assert.ok(args.includes("--leader-elect=true"), args.join(" "));
    const replicas = [
      startExample(pod, cp.kubeconfigPath, "sp-example-ha-a"),
      startExample(pod, cp.kubeconfigPath, "sp-example-ha-b"),
    ];
    const leading = (p: ExampleProcess): boolean => p.lines().some((l) => l.msg === "watching Examples");
    const reconciled = (p: ExampleProcess, name: string): boolean =>
      p.lines().some((l) => l.msg === "reconciled" && l.example === `default/${name}`);
    const example = (name: string) =>
      platform.apply(
        {
          apiVersion: EXAMPLE_API_VERSION,
          kind: "Example",
          metadata: { name, namespace: "default" },
          spec: { data: { from: name } },
        },
        "test",
      );
    const configMap = (name: string) =>
      eventually(
        `ConfigMap of Example ${name}`,
        () =>
          platform.find({
            apiVersion: "v1",
            kind: "ConfigMap",
            namespace: "default",
            name: configMapName(name),
          }),
        45_000,
      );
    try {
      await grantAccess("onboarding");
      const leader = await eventually("a leader", () => replicas.find(leading), 30_000);
      const follower = replicas.find((p) => p !== leader)!;
      platform.registerPlural("Example", "examples");
      await example("ha-one");
      await configMap("ha-one");
      await eventually("the leader logs its reconcile", () => reconciled(leader, "ha-one"));
      await eventually("the follower waits for the Lease", () =>
        follower.lines().some((l) => l.msg === "waiting for leadership"),
      );
      assert.ok(!leading(follower), `the follower must not run:\n${follower.stderr()}`);
      assert.ok(!reconciled(follower, "ha-one"));

      leader.child.kill("SIGKILL");
      await leader.exited;
      // The Lease is not released by a killed process: the follower takes it once it expires.
      await eventually("the follower takes over", () => leading(follower), 45_000);
      await example("ha-two");
      await configMap("ha-two");
      await eventually("the new leader logs its reconcile", () => reconciled(follower, "ha-two"));
      assert.ok(!reconciled(leader, "ha-two"));
    } finally {
      for (const p of replicas) p.child.kill("SIGKILL");
    }
  });
});
