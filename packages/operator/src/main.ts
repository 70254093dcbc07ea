import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { FIELD_MANAGER_OPERATOR, PROVIDER_KINDS, type ProviderKind } from "@openmcp-ts/contract";
import { KubeClient } from "@openmcp-ts/kube";
import { installCrds } from "./install-crds.ts";
import { createLogger, parseLogLevel, type Logger } from "@openmcp-ts/kube";
import { startOperator } from "./operator.ts";

/** The reference Go operator's leader election ID (controller-runtime uses it as the Lease name). */
export const REFERENCE_LEASE = "github.com/openmcp-project/openmcp-operator";

export const USAGE = `Usage: openmcp-operator <init|run> [flags]

Deploys openMCP providers (ClusterProvider, ServiceProvider, PlatformService): for each one an init
Job (<image> init …), and after it succeeded a run Deployment (<image> run …).

Commands:
  init   Install or update the provider CRDs (server-side apply; safe to repeat and to run concurrently).
  run    Run the provider controllers.

Flags (both commands):
  --environment NAME                 required; handed to every provider as --environment
  --provider-name NAME               name of this operator's own provider resource, if any
  -v, --verbosity ERROR|INFO|DEBUG   log level (default INFO); logs are JSON lines on stderr
  --kubeconfig PATH                  platform cluster kubeconfig (default: in-cluster service account)
Flags (run):
  --leader-elect                     elect a leader on a Lease in POD_NAMESPACE; only the leader writes
  --leader-elect-lease-name NAME     default openmcp-operator-ts
  --metrics-bind-address ADDR        Prometheus /metrics, e.g. :8080 (default 0 = off)
  --health-probe-bind-address ADDR   /healthz and /readyz (default :8081; 0 = off)
  --workers N                        concurrent reconciles per kind (default 4)
  --pod-security restricted|none     security context of provider pods (default restricted)
  --provider-cluster-role ROLES      ClusterRole bound to provider service accounts: NAME for every kind,
                                     and/or KIND=NAME per kind, comma-separated, e.g.
                                     cluster-admin,ServiceProvider=openmcp-service-provider (default cluster-admin)
  --max-init-attempts N              failed init Jobs before the provider is Stalled (default 5)
  --init-backoff-limit N             pod retries within one init Job (default 4, as the reference)
  --leader-elect-lease-duration S    seconds a leader's lease is valid without renewal (default 15)
  --wait-for-lease NAME              do not write to providers while another operator holds this Lease in
                                     POD_NAMESPACE; go ahead once it is released or expires (default
                                     ${REFERENCE_LEASE}, the reference operator's
                                     leader election ID; empty: do not wait). A name with '/' cannot exist,
                                     so the default is never waited for: see the README
  --take-over-field-managers NAMES   field managers whose Update-written fields on our objects become ours
                                     before we apply (as kubectl's csaupgrade), so a field removed from a
                                     spec is removed from the live object after a switch of operators
                                     (default openmcp-operator, the reference operator's; empty: none)
  --resolve-image-digests            resolve spec.image tags to digests through the registry (with the
                                     provider's pull secrets) and deploy repository@sha256:...; status says
                                     what it resolved to, or why it could not (default off: the tag is deployed)
  --image-resolve-interval SECONDS   with --resolve-image-digests: resolve again this often, so a moved tag
                                     is rolled out (default 0: only on a spec change or the reconcile annotation)
  --registry-ca-file PATH            extra CA certificates (PEM) trusted for registries
  --rollback on|off                  roll a new release whose init gives up or whose pods do not become ready
                                     back to the last good release (default on; a provider opts out with the
                                     annotation openmcp.cloud/rollback: disabled)
  --rollout-deadline SECONDS         a new release's pods not all ready after this long roll it back (default 600)
  --rollout-failure-grace SECONDS    a crash loop or image-pull failure of a new release's pods rolls it back
                                     at once, but not before this much of its rollout has passed (default 60)
Environment:
  POD_NAMESPACE                      required for run: the system namespace all provider workloads go to

Exit codes: 0 clean shutdown, 1 runtime failure, 2 bad arguments.`;

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      environment: { type: "string" },
      "provider-name": { type: "string" },
      verbosity: { type: "string", short: "v", default: "INFO" },
      kubeconfig: { type: "string" },
      "leader-elect": { type: "boolean", default: false },
      "leader-elect-lease-name": { type: "string" },
      "metrics-bind-address": { type: "string", default: "0" },
      "health-probe-bind-address": { type: "string", default: ":8081" },
      workers: { type: "string", default: "4" },
      "pod-security": { type: "string", default: "restricted" },
      "provider-cluster-role": { type: "string" },
      "max-init-attempts": { type: "string", default: "5" },
      "init-backoff-limit": { type: "string", default: "4" },
      "leader-elect-lease-duration": { type: "string", default: "15" },
      "wait-for-lease": { type: "string", default: REFERENCE_LEASE },
      "take-over-field-managers": { type: "string", default: FIELD_MANAGER_OPERATOR },
      "resolve-image-digests": { type: "boolean", default: false },
      "image-resolve-interval": { type: "string", default: "0" },
      "registry-ca-file": { type: "string" },
      rollback: { type: "string", default: "on" },
      "rollout-deadline": { type: "string", default: "600" },
      "rollout-failure-grace": { type: "string", default: "60" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  return { values, positionals };
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`invalid value "${value}" for ${flag}: must be a whole number ≥ 1`);
  return n;
}

function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`invalid value "${value}" for ${flag}: must be a whole number ≥ 0`);
  return n;
}

/** `NAME` for every kind and/or `Kind=NAME` per kind, comma-separated. */
export function parseProviderClusterRoles(value: string): Partial<Record<ProviderKind, string>> {
  const flag = "--provider-cluster-role";
  const roles: Partial<Record<ProviderKind, string>> = {};
  let fallback: string | undefined;
  for (const item of value.split(",").map((s) => s.trim())) {
    const [kind, role] = item.includes("=") ? item.split("=", 2) : [undefined, item];
    if (!role || /[=\s/]/.test(role))
      throw new UsageError(`invalid value "${value}" for ${flag}: "${item}" names no ClusterRole`);
    if (kind === undefined) {
      if (fallback !== undefined)
        throw new UsageError(`invalid value "${value}" for ${flag}: more than one role for every kind`);
      fallback = role;
    } else if ((PROVIDER_KINDS as readonly string[]).includes(kind)) {
      roles[kind as ProviderKind] = role;
    } else {
      throw new UsageError(
        `invalid value "${value}" for ${flag}: unknown kind "${kind}", want ${PROVIDER_KINDS.join(", ")}`,
      );
    }
  }
  if (fallback === undefined) return roles;
  return Object.fromEntries(PROVIDER_KINDS.map((k) => [k, roles[k] ?? fallback]));
}

async function readRegistryCa(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read --registry-ca-file ${path}: ${(err as Error).message}`);
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`openmcp-operator: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  let log: Logger;
  try {
    if (command !== "init" && command !== "run")
      throw new UsageError(`unknown command "${command}": want init or run`);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
    if (!values.environment) throw new UsageError("missing required flag --environment");
    const level = parseLogLevel(values.verbosity);
    if (!level)
      throw new UsageError(
        `invalid value "${values.verbosity}" for --verbosity: must be one of ERROR, INFO, DEBUG`,
      );
    log = createLogger(level).with({ logger: "openmcp-operator" });
    if (values["pod-security"] !== "restricted" && values["pod-security"] !== "none") {
      throw new UsageError(
        `invalid value "${values["pod-security"]}" for --pod-security: must be restricted or none`,
      );
    }
    if (values.rollback !== "on" && values.rollback !== "off") {
      throw new UsageError(`invalid value "${values.rollback}" for --rollback: must be on or off`);
    }
    const rolloutDeadlineMs = positiveInt(values["rollout-deadline"], "--rollout-deadline") * 1000;
    const rolloutFailureGraceMs =
      nonNegativeInt(values["rollout-failure-grace"], "--rollout-failure-grace") * 1000;
    const kubeconfig = values.kubeconfig;
    if (command === "init") {
      const client = KubeClient.create(kubeconfig ? { kubeconfig } : {});
      const crds = await installCrds(client, log);
      log.info("init done", { crds });
      return 0;
    }
    const namespace = env.POD_NAMESPACE;
    if (!namespace)
      throw new UsageError(
        "environment variable POD_NAMESPACE is not set: it names the system namespace for provider workloads",
      );
    const operator = await startOperator(
      {
        environment: values.environment,
        namespace,
        ...(kubeconfig ? { kubeconfig } : {}),
        workers: positiveInt(values.workers, "--workers"),
        leaderElect: values["leader-elect"],
        ...(values["leader-elect-lease-name"] ? { leaseName: values["leader-elect-lease-name"] } : {}),
        ...(env.POD_NAME ? { identity: env.POD_NAME } : {}),
        metricsBindAddress: values["metrics-bind-address"],
        healthProbeBindAddress: values["health-probe-bind-address"],
        securityContext: values["pod-security"],
        ...(values["provider-cluster-role"]
          ? { providerClusterRoles: parseProviderClusterRoles(values["provider-cluster-role"]) }
          : {}),
        maxInitAttempts: positiveInt(values["max-init-attempts"], "--max-init-attempts"),
        initJobBackoffLimit: nonNegativeInt(values["init-backoff-limit"], "--init-backoff-limit"),
        leaseDurationSeconds: positiveInt(
          values["leader-elect-lease-duration"],
          "--leader-elect-lease-duration",
        ),
        waitForLease: values["wait-for-lease"],
        ...(values["resolve-image-digests"]
          ? {
              imageDigests: {
                intervalMs:
                  nonNegativeInt(values["image-resolve-interval"], "--image-resolve-interval") * 1000,
                ...(values["registry-ca-file"]
                  ? { registryCa: await readRegistryCa(values["registry-ca-file"]) }
                  : {}),
              },
            }
          : {}),
        rollback: values.rollback === "on",
        rolloutDeadlineMs,
        rolloutFailureGraceMs,
        takeOverFieldManagers: values["take-over-field-managers"]
          .split(",")
          .map((m) => m.trim())
          .filter((m) => m !== ""),
      },
      log,
    );
    log.info("operator running", {
      environment: values.environment,
      namespace,
      leaderElect: values["leader-elect"],
    });
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    log.info("shutting down");
    await operator.stop();
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`openmcp-operator: ${err.message}\nRun "openmcp-operator --help" for usage.\n`);
      return 2;
    }
    process.stderr.write(
      `${JSON.stringify({ ts: new Date().toISOString(), level: "error", msg: "operator failed", error: (err as Error).message })}\n`,
    );
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`openmcp-operator: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
