// Operator end to end: N providers on a fresh full local control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok), the operator as a child process so its CPU, memory
// and API requests are its own.
// Run: pnpm exec node --import tsx bench/operator.bench.ts [--sizes 1,50,200] [--repeats 3] [--first-repeat K]
//        [--idle-seconds 60] [--timeout-seconds 900] [--workers N] [--out bench/results/operator.md]
//        [--merge]   (keep the runs of other sizes already recorded in --out)
//        [--metrics-services M]  (only the first M providers keep metrics on, so a metrics Service;
//                                 testenv's /24 service range holds 253 Services)
//        [--report-only]  (re-render --out and the plot from the runs recorded in it; runs nothing)
//        [--bundle]  (run the esbuild bundle the image ships, built by scripts/bundle-operator.ts,
//                     instead of the TypeScript sources through tsx)
//        [--operators ours,reference,floor]  (default ours: which to run, one after the other, each on
//                     its own fresh control plane with the same providers; reference = the Go
//                     openmcp-operator v1.3.0 from bench/reference, floor = no operator, the bench
//                     applies the rendered objects itself; more than ours writes the comparison
//                     report, default --out bench/results/comparison.md)
//        [--reference-timeout-seconds S]  (the reference's own --timeout-seconds)
//        [--operator-node-options "--max-semi-space-size=2 …"]  (Node/V8 flags for our operator only;
//         with --bundle the image's own, from the Dockerfile's ENTRYPOINT, unless given; "" for none)
//        [--heap-snapshot]  (ours: a V8 heap snapshot at the end of idle, into the log directory)
//        [--spec-change-timeout-seconds S]  (after idle: new image for all N, time to converge; 0 = skip)
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  API_VERSION,
  CONDITION_INITIALIZED,
  CONDITION_READY,
  MANAGED_BY_VALUE,
  PROVIDER_KIND_INFO,
  PROVIDER_KINDS,
  providerObjectNames,
  RUNTIME_API_VERSION,
  RUNTIME_CONFIG_KIND,
  type Provider,
  type ProviderKind,
} from "@openmcp-ts/contract";
import { Informer, KubeClient, type ApplyObject, type CachedObject } from "@openmcp-ts/kube";
import { renderInitObjects, renderRunObjects, type RenderContext } from "@openmcp-ts/render";
import {
  ETCD_VERSION,
  freePort,
  KUBERNETES_VERSION,
  KWOK_VERSION,
  startControlPlane,
  type ControlPlane,
} from "@openmcp-ts/testenv";
import { OPERATOR_SOURCE_ENTRY, spawnOperatorProcess } from "@openmcp-ts/test-support";
import { REFERENCE_VERSION } from "./reference/build-reference-operator.ts";
import { installReferenceCrds, spawnReferenceOperator } from "./reference/reference-operator.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NAMESPACE = "openmcp-system";
const ENVIRONMENT = "bench";
const FIELD_MANAGER = "bench";
const READ_VERBS = ["get", "list", "watch"];
/** Applies of new providers in flight at once: "as fast as possible" without thousands of sockets. */
const CREATE_CONCURRENCY = 32;
const MARK_START = "<!-- bench:generated:start -->";
const MARK_END = "<!-- bench:generated:end -->";

// ---------------------------------------------------------------------------------------------
// Command line

const { values: flags } = parseArgs({
  options: {
    sizes: { type: "string", default: "1,50,200" },
    repeats: { type: "string", default: "3" },
    "first-repeat": { type: "string" },
    "idle-seconds": { type: "string", default: "60" },
    "timeout-seconds": { type: "string", default: "900" },
    workers: { type: "string" },
    out: { type: "string", default: "bench/results/operator.md" },
    merge: { type: "boolean", default: false },
    bundle: { type: "boolean", default: false },
    "metrics-services": { type: "string" },
    "report-only": { type: "boolean", default: false },
    "heap-snapshot": { type: "boolean", default: false },
    "operator-node-options": { type: "string" },
    operators: { type: "string", default: "ours" },
    "reference-timeout-seconds": { type: "string" },
    "spec-change-timeout-seconds": { type: "string", default: "300" },
  },
  strict: true,
});
const SIZES = flags.sizes.split(",").map((s) => Number(s.trim()));
const REPEATS = Number(flags.repeats);
/** The number of the first repeat: with --merge, a lost run is run again without redoing the rest. */
const FIRST_REPEAT = Number(flags["first-repeat"] ?? 1);
const IDLE_SECONDS = Number(flags["idle-seconds"]);
const TIMEOUT_MS = Number(flags["timeout-seconds"]) * 1000;
type Mode = "ours" | "reference" | "floor";
const MODE_NAMES: readonly Mode[] = ["ours", "reference", "floor"];
const MODES = flags.operators.split(",").map((s) => s.trim()) as Mode[];
if (MODES.length === 0 || MODES.some((m) => !MODE_NAMES.includes(m)))
  throw new Error(`invalid --operators "${flags.operators}": want a list of ${MODE_NAMES.join(", ")}`);
/** More than our operator alone: the side-by-side report instead of the detailed one. */
const COMPARING = MODES.some((m) => m !== "ours");
const OUT = resolve(
  ROOT,
  COMPARING && flags.out === "bench/results/operator.md" ? "bench/results/comparison.md" : flags.out,
);
const REFERENCE_TIMEOUT_MS = Number(flags["reference-timeout-seconds"] ?? flags["timeout-seconds"]) * 1000;
/**
 * Node/V8 flags for our operator. The bundle runs as the image runs it: with the flags of the
 * Dockerfile's ENTRYPOINT, the one place they are set, unless --operator-node-options says otherwise.
 */
const OPERATOR_NODE_OPTIONS: readonly string[] =
  flags["operator-node-options"] !== undefined
    ? flags["operator-node-options"].split(/\s+/).filter(Boolean)
    : flags.bundle
      ? imageNodeFlags(readFileSync(join(ROOT, "Dockerfile"), "utf8"))
      : [];
const SPEC_CHANGE_TIMEOUT_MS = Number(flags["spec-change-timeout-seconds"]) * 1000;
if (
  SIZES.some((n) => !Number.isInteger(n) || n < 1) ||
  ![REPEATS, FIRST_REPEAT].every((r) => Number.isInteger(r) && r >= 1)
)
  throw new Error(
    `invalid --sizes "${flags.sizes}", --repeats "${flags.repeats}" or --first-repeat "${flags["first-repeat"] ?? 1}": want whole numbers ≥ 1`,
  );
if (!(IDLE_SECONDS >= 0)) throw new Error(`invalid --idle-seconds "${flags["idle-seconds"]}"`);
const COMMAND = [
  "pnpm exec node --import tsx bench/operator.bench.ts",
  `--sizes ${SIZES.join(",")}`,
  `--repeats ${REPEATS}`,
  ...(flags["first-repeat"] !== undefined ? [`--first-repeat ${FIRST_REPEAT}`] : []),
  `--idle-seconds ${IDLE_SECONDS}`,
  ...(flags.workers ? [`--workers ${flags.workers}`] : []),
  ...(flags["timeout-seconds"] !== "900" ? [`--timeout-seconds ${flags["timeout-seconds"]}`] : []),
  ...(flags.merge ? ["--merge"] : []),
  ...(flags.bundle ? ["--bundle"] : []),
  ...(flags["metrics-services"] ? [`--metrics-services ${flags["metrics-services"]}`] : []),
  ...(flags.operators !== "ours" ? [`--operators ${MODES.join(",")}`] : []),
  ...(flags["reference-timeout-seconds"]
    ? [`--reference-timeout-seconds ${flags["reference-timeout-seconds"]}`]
    : []),
  ...(flags["spec-change-timeout-seconds"] !== "300"
    ? [`--spec-change-timeout-seconds ${flags["spec-change-timeout-seconds"]}`]
    : []),
  ...(flags["operator-node-options"] !== undefined
    ? [`--operator-node-options="${flags["operator-node-options"]}"`]
    : []),
  ...(flags.out !== "bench/results/operator.md" ? [`--out ${flags.out}`] : []),
].join(" ");

// ---------------------------------------------------------------------------------------------
// Providers

const IMAGES: Record<ProviderKind, string> = {
  ClusterProvider: "ghcr.io/openmcp-project/images/cluster-provider-kind",
  ServiceProvider: "ghcr.io/openmcp-project/images/service-provider-landscaper",
  PlatformService: "ghcr.io/openmcp-project/images/platform-service-gateway",
};
const VERBOSITY = ["INFO", "DEBUG", "ERROR"] as const;

const METRICS_SERVICES = flags["metrics-services"] ? Number(flags["metrics-services"]) : Infinity;

/**
 * Kinds round-robin; a handful of env vars, a verbosity and 1–2 run replicas, as real providers
 * have. Metrics stay on (the default: a metrics Service each) for the first METRICS_SERVICES.
 */
function benchProvider(i: number): Provider {
  const kind = PROVIDER_KINDS[i % PROVIDER_KINDS.length]!;
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: { name: `bench-${String(i).padStart(4, "0")}`, labels: { "bench.openmcp.cloud/run": "1" } },
    spec: {
      image: `${IMAGES[kind]}:v0.${1 + (i % 9)}.${i % 4}`,
      env: [
        { name: "LOG_FORMAT", value: "json" },
        { name: "REGION", value: `eu-${10 + (i % 3)}` },
        { name: "FEATURE_GATES", value: "Reconcile=true,Webhooks=false" },
        { name: "SYNC_PERIOD", value: `${30 + (i % 5) * 10}s` },
      ],
      verbosity: VERBOSITY[i % VERBOSITY.length]!,
      runReplicas: 1 + (i % 2),
      ...(i >= METRICS_SERVICES ? { metrics: { disabled: true } } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Waits ms (a deadline already passed waits not at all). */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** The promise's value, or undefined after ms; the timer never outlives the race. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of one process, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

/** Other people edit the tree while benchmarks run: record which code each run measured. */
function sourceRevision(): string {
  try {
    const git = (...args: string[]): string =>
      execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = git(
      "status",
      "--porcelain",
      "--",
      "packages/operator",
      "packages/reconciler",
      "packages/render",
      "packages/kube",
      "packages/contract",
    );
    return `${git("rev-parse", "--short", "HEAD")}${dirty ? "+dirty" : ""}`;
  } catch {
    return "unknown";
  }
}

/** CPU seconds of each control-plane component (from the testenv pids file) and of the bench itself. */
function componentCpu(cp: ControlPlane): Record<string, number> {
  const out: Record<string, number> = { bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 };
  const pids = readFileSync(join(cp.dir, "pids"), "utf8").split("\n").filter(Boolean);
  for (const pid of pids) {
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? pid;
      const name = argv0.slice(argv0.lastIndexOf("/") + 1);
      out[name] = (out[name] ?? 0) + cpuSeconds(Number(pid));
    } catch {
      // gone (restarted or stopped)
    }
  }
  return out;
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

/** VmRSS and VmHWM (peak RSS) in MiB, from /proc/<pid>/status. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kib("VmRSS") / 1024, hwm: kib("VmHWM") / 1024 };
}

// ---------------------------------------------------------------------------------------------
// The operator's /metrics

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

async function scrape(port: number): Promise<Sample[]> {
  const text = await new Promise<string>((ok, fail) => {
    // 30 s: on a machine at load 15 a busy operator answered a scrape in more than 5 s (N=1000).
    const req = request({ host: "127.0.0.1", port, path: "/metrics", timeout: 30_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => ok(body));
    });
    req.on("error", fail);
    req.on("timeout", () => req.destroy(new Error("no answer from /metrics within 30 s")));
    req.end();
  });
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

function sumOf(samples: Sample[], name: string, filter: (l: Record<string, string>) => boolean = () => true) {
  return samples.filter((s) => s.name === name && filter(s.labels)).reduce((a, s) => a + s.value, 0);
}

/** API requests by verb between two scrapes. */
function requestsByVerb(before: Sample[], after: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of after.filter((x) => x.name === "openmcp_api_requests_total")) {
    const verb = s.labels.verb ?? "?";
    out[verb] = (out[verb] ?? 0) + s.value;
  }
  for (const s of before.filter((x) => x.name === "openmcp_api_requests_total")) {
    const verb = s.labels.verb ?? "?";
    out[verb] = (out[verb] ?? 0) - s.value;
  }
  return nonZero(out);
}

function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== 0));
}

function requestsByCode(before: Sample[], after: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (samples: Sample[], sign: number): void => {
    for (const s of samples.filter((x) => x.name === "openmcp_api_requests_total")) {
      const k = `${s.labels.verb ?? "?"} ${s.labels.code ?? "?"}`;
      out[k] = (out[k] ?? 0) + sign * s.value;
    }
  };
  add(after, 1);
  add(before, -1);
  return nonZero(out);
}

const writesIn = (byVerb: Record<string, number>): number =>
  Object.entries(byVerb)
    .filter(([verb]) => !READ_VERBS.includes(verb))
    .reduce((a, [, n]) => a + n, 0);

// ---------------------------------------------------------------------------------------------
// The API server's audit log: every request of every client, the same method for each operator

/**
 * Metadata level for everything: enough to name the client (User-Agent), verb, resource and
 * subresource of every request. A watch is logged when it starts (ResponseStarted) and ends.
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`;

interface AuditEvent {
  stage?: string;
  requestReceivedTimestamp?: string;
  verb?: string;
  userAgent?: string;
  requestURI?: string;
  stageTimestamp?: string;
  objectRef?: { resource?: string; subresource?: string; name?: string };
  responseStatus?: { code?: number };
}

function readAudit(path: string): AuditEvent[] {
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEvent);
}

/** The bench's own client (watches, provider applies); the floor's applier has its own. */
const BENCH_USER_AGENT = "openmcp-bench";
const FLOOR_USER_AGENT = "openmcp-bench-floor";

/**
 * Which client's requests count as the operator's: ours sends no User-Agent (and is the only client
 * without one: the bench sends its own, the control plane's components theirs), the reference
 * client-go's default `openmcp-operator/<version> (…)`, the floor the bench's applier.
 */
const ACTORS: Record<Mode, (e: AuditEvent) => boolean> = {
  ours: (e) => !e.userAgent,
  reference: (e) => (e.userAgent ?? "").startsWith("openmcp-operator/"),
  floor: (e) => e.userAgent === FLOOR_USER_AGENT,
};
const byBench = (e: AuditEvent): boolean => e.userAgent === BENCH_USER_AGENT;
const byControllerManager = (e: AuditEvent): boolean =>
  (e.userAgent ?? "").startsWith("kube-controller-manager");
const auditTime = (e: AuditEvent): number => Date.parse(e.stageTimestamp ?? "");
/** Each request once: a watch when it starts, anything else when it completes. */
const isOneRequest = (e: AuditEvent): boolean =>
  e.verb === "watch" ? e.stage === "ResponseStarted" : e.stage === "ResponseComplete";
const isWrite = (e: AuditEvent): boolean => !READ_VERBS.includes(e.verb ?? "");
const resourceOf = (e: AuditEvent): string =>
  `${e.objectRef?.resource ?? "?"}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ""}`;

/** One actor's requests between two wall-clock times, by "verb resource[/subresource]" (or with the code). */
function auditRequests(
  events: AuditEvent[],
  actor: (e: AuditEvent) => boolean,
  fromMs: number,
  toMs: number,
  options: { writesOnly?: boolean; withCode?: boolean } = {},
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    const at = auditTime(e);
    if (!isOneRequest(e) || !actor(e) || !(at >= fromMs && at < toMs)) continue;
    if (options.writesOnly && !isWrite(e)) continue;
    const key = `${e.verb ?? "?"} ${resourceOf(e)}${options.withCode ? ` ${e.responseStatus?.code ?? "?"}` : ""}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/**
 * How long the API server took for each of one actor's writes (request received → response
 * complete, ms), median by "verb resource[/subresource]": the server's side of the operator's time.
 */
function auditWriteLatency(
  events: AuditEvent[],
  actor: (e: AuditEvent) => boolean,
  fromMs: number,
  toMs: number,
): Record<string, number> {
  const took = new Map<string, number[]>();
  for (const e of events) {
    const at = auditTime(e);
    if (e.stage !== "ResponseComplete" || !isWrite(e) || !actor(e) || !(at >= fromMs && at < toMs)) continue;
    const key = `${e.verb ?? "?"} ${resourceOf(e)}`;
    const list = took.get(key) ?? [];
    list.push(at - Date.parse(e.requestReceivedTimestamp ?? ""));
    took.set(key, list);
  }
  return Object.fromEntries([...took].map(([k, v]) => [k, quantile(v, 0.5)]));
}

const auditWritesIn = (byVerbResource: Record<string, number>): number =>
  Object.entries(byVerbResource)
    .filter(([k]) => !READ_VERBS.includes(k.split(" ")[0]!))
    .reduce((a, [, n]) => a + n, 0);

/** The steps from a new provider to Ready, alternating between the operator and the cluster. */
const STAGES = [
  ["created", "jobCreated", "provider created → init Job created (operator)"],
  [
    "jobCreated",
    "jobDone",
    "init Job created → its last status update (controller-manager, scheduler, kwok)",
  ],
  ["jobDone", "deploymentCreated", "Job done → run Deployment created (operator)"],
  [
    "deploymentCreated",
    "deploymentAvailable",
    "Deployment created → its last status update (controller-manager, scheduler, kwok)",
  ],
  ["deploymentAvailable", "readyWritten", "Deployment available → last status patch, Ready (operator)"],
] as const;
type StageMark = (typeof STAGES)[number][0 | 1];

interface Quantiles {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

function quantiles(values: number[]): Quantiles | undefined {
  if (values.length === 0) return undefined;
  return {
    p50: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    max: Math.max(...values),
    count: values.length,
  };
}

/**
 * Per stage, the median, p99 and maximum over providers of the time it took (seconds), from the
 * audit log of one run up to `toMs` (all Ready). Every object a provider owns carries its name
 * (`bench-NNNN`). For the floor, "created" is the applier's first write of the provider's objects.
 */
function pipelineStages(events: AuditEvent[], toMs: number, mode: Mode): Record<string, Quantiles> {
  interface Seen {
    created?: number;
    jobCreated?: number;
    jobStatus: number[];
    deploymentCreated?: number;
    deploymentStatus: number[];
    statusPatches: number[];
  }
  const actor = ACTORS[mode];
  const seen = new Map<string, Seen>();
  const of = (name: string): Seen => {
    const key = /bench-\d{4}/.exec(name)?.[0] ?? name;
    const s = seen.get(key) ?? { jobStatus: [], deploymentStatus: [], statusPatches: [] };
    seen.set(key, s);
    return s;
  };
  for (const e of events) {
    const at = auditTime(e);
    if (!(at <= toMs) || e.stage !== "ResponseComplete" || !isWrite(e)) continue;
    const ref = e.objectRef ?? {};
    const name = ref.name ?? "";
    if (!/bench-\d{4}/.test(name)) continue;
    const created = e.responseStatus?.code === 201;
    const isProvider = PROVIDER_KINDS.some((k) => ref.resource === PROVIDER_KIND_INFO[k].plural);
    if (mode === "floor" && actor(e)) of(name).created ??= at;
    if (isProvider && byBench(e) && created) of(name).created ??= at;
    else if (isProvider && actor(e) && ref.subresource === "status") of(name).statusPatches.push(at);
    else if (ref.resource === "jobs" && actor(e) && created) of(name).jobCreated ??= at;
    else if (ref.resource === "jobs" && byControllerManager(e) && ref.subresource === "status")
      of(name).jobStatus.push(at);
    else if (ref.resource === "deployments" && actor(e) && created) of(name).deploymentCreated ??= at;
    else if (ref.resource === "deployments" && byControllerManager(e) && ref.subresource === "status")
      of(name).deploymentStatus.push(at);
  }
  /** The last time in `times` not after `bound`. */
  const lastBefore = (times: number[], bound: number | undefined): number | undefined => {
    const before = times.filter((t) => bound === undefined || t <= bound);
    return before.length > 0 ? Math.max(...before) : undefined;
  };
  const marks = [...seen.values()].map((s): Record<StageMark, number | undefined> => {
    const readyWritten = lastBefore(s.statusPatches, undefined);
    return {
      created: s.created,
      jobCreated: s.jobCreated,
      jobDone: lastBefore(s.jobStatus, s.deploymentCreated),
      deploymentCreated: s.deploymentCreated,
      deploymentAvailable: lastBefore(s.deploymentStatus, readyWritten),
      readyWritten,
    };
  });
  const out: Record<string, Quantiles> = {};
  for (const [from, to, label] of STAGES) {
    const took = marks
      .filter((m) => m[from] !== undefined && m[to] !== undefined)
      .map((m) => (m[to]! - m[from]!) / 1000);
    const q = quantiles(took);
    if (q) out[label] = q;
  }
  return out;
}

interface EventItem {
  reason?: string;
  involvedObject?: { kind?: string; name?: string };
  reportingComponent?: string;
}

/** The operator's Events by reason, and how many (object, reason) pairs were recorded more than once. */
async function operatorEvents(
  client: KubeClient,
): Promise<{ byReason: Record<string, number>; duplicates: number }> {
  const list = await client.list<EventItem>({ apiVersion: "v1", kind: "Event", namespace: "default" });
  const byReason: Record<string, number> = {};
  const pairs = new Map<string, number>();
  for (const e of list.items) {
    if (e.reportingComponent !== MANAGED_BY_VALUE) continue;
    const reason = e.reason ?? "?";
    byReason[reason] = (byReason[reason] ?? 0) + 1;
    const pair = `${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}/${reason}`;
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  const duplicates = [...pairs.values()].reduce((a, c) => a + (c - 1), 0);
  return { byReason, duplicates };
}

// ---------------------------------------------------------------------------------------------
// The operator as a child process

interface OperatorProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  spawnedAt: number;
  cachesSynced: Promise<number>;
  exited: Promise<number | null>;
  log: { lines: number; byLevel: Record<string, number>; errors: Map<string, number> };
  logPath: string;
}

/** Groups error lines whose text differs only in names, numbers and resource versions. */
function errorKey(entry: Record<string, unknown>): string {
  const error = typeof entry.error === "string" ? entry.error : JSON.stringify(entry.error ?? "");
  const text = `${String(entry.msg)}: ${error}`.replace(/bench-\d{4}/g, "<name>").replace(/\b\d+\b/g, "<n>");
  return text.length > 220 ? `${text.slice(0, 220)}…` : text;
}

function runToExit(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", fail);
    child.once("exit", (code) =>
      code === 0 ? ok() : fail(new Error(`${args.join(" ")} exited with ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

async function spawnOperator(kubeconfig: string, logPath: string): Promise<OperatorProcess> {
  const port = await freePort();
  const spawnedAt = performance.now();
  const file = createWriteStream(logPath);
  const log = { lines: 0, byLevel: {} as Record<string, number>, errors: new Map<string, number>() };
  const op = spawnOperatorProcess({
    kubeconfig,
    namespace: NAMESPACE,
    cwd: ROOT,
    // --heap-snapshot: SIGUSR2 writes a heap snapshot next to the logs.
    nodeArgs: [
      ...(flags["heap-snapshot"]
        ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${dirname(logPath)}`]
        : []),
      ...OPERATOR_NODE_OPTIONS,
    ],
    entry: operatorEntry,
    args: [
      `--metrics-bind-address=127.0.0.1:${port}`,
      ...(flags.workers ? [`--workers=${flags.workers}`] : []),
    ],
    onLine: (line) => {
      file.write(`${line}\n`);
      log.lines++;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        log.byLevel.unparsed = (log.byLevel.unparsed ?? 0) + 1;
        log.errors.set(`(not JSON) ${line.slice(0, 200)}`, (log.errors.get(line) ?? 0) + 1);
        return;
      }
      const level = String(entry.level);
      log.byLevel[level] = (log.byLevel[level] ?? 0) + 1;
      if (level === "error") log.errors.set(errorKey(entry), (log.errors.get(errorKey(entry)) ?? 0) + 1);
    },
  });
  const child = op.child;
  if (!child.pid) throw new Error("cannot spawn the operator: no pid");
  const exited = op.exited.then(() => child.exitCode);
  const cachesSynced = op.logged("caches synced").then(() => performance.now());
  void exited.then(() => file.end());
  // Awaited by the caller; this only keeps a late exit from counting as an unhandled rejection.
  cachesSynced.catch(() => undefined);
  return { child, pid: child.pid, port, spawnedAt, cachesSynced, exited, log, logPath };
}

/** A log line's level, whichever format the operator writes (JSON, logfmt, or a leading level word). */
function logLevel(line: string): string {
  const m =
    /"level"\s*:\s*"(\w+)"/.exec(line) ??
    /\blevel=(\w+)/.exec(line) ??
    /^\S*\s*(INFO|ERROR|DEBUG|WARN)\b/i.exec(line);
  return m ? m[1]!.toLowerCase() : "unparsed";
}

/**
 * The reference operator (bench/reference), without leader election (v1.3.0's Lease name contains
 * a '/', which the API refuses, so with --leader-elect it never reconciles). "Started" is the last
 * of its three controllers' controller-runtime "Starting workers" lines.
 */
async function spawnReference(kubeconfig: string, logPath: string): Promise<OperatorProcess> {
  const spawnedAt = performance.now();
  const ref = await spawnReferenceOperator({ kubeconfig, namespace: NAMESPACE, environment: ENVIRONMENT });
  const child = ref.child;
  if (!child.pid) throw new Error("cannot spawn the reference operator: no pid");
  const log = { lines: 0, byLevel: {} as Record<string, number>, errors: new Map<string, number>() };
  const exited = ref.exited.then(() => child.exitCode);
  const cachesSynced = new Promise<number>((ok, fail) => {
    let done = false;
    const poll = setInterval(() => {
      if (ref.logs.filter((l) => l.includes("Starting workers")).length >= PROVIDER_KINDS.length) {
        done = true;
        clearInterval(poll);
        ok(performance.now());
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(poll);
      if (!done) fail(new Error(`the reference exited with ${code} before it started its workers`));
    });
  });
  cachesSynced.catch(() => undefined);
  void exited.then(() => {
    writeFileSync(logPath, `${ref.logs.join("\n")}\n`);
    for (const line of ref.logs) {
      log.lines++;
      const level = logLevel(line);
      log.byLevel[level] = (log.byLevel[level] ?? 0) + 1;
      if (level === "error") {
        const key = line
          .replace(/bench-\d{4}/g, "<name>")
          .replace(/\b\d+\b/g, "<n>")
          .slice(0, 220);
        log.errors.set(key, (log.errors.get(key) ?? 0) + 1);
      }
    }
  });
  return { child, pid: child.pid, port: 0, spawnedAt, cachesSynced, exited, log, logPath };
}

// ---------------------------------------------------------------------------------------------
// Watching the providers from the bench's own client

type Watched = CachedObject & Provider & { metadata: { generation?: number } };

interface WatchedDeployment extends CachedObject {
  metadata: CachedObject["metadata"] & { generation?: number };
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

/** Rolled out: the controller saw the current spec, and every replica is new and available, no old one left. */
function deploymentRolledOut(d: WatchedDeployment | undefined, image?: string): boolean {
  if (!d) return false;
  const want = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  return (
    (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    (st.updatedReplicas ?? 0) === want &&
    (st.availableReplicas ?? 0) >= want &&
    (st.replicas ?? 0) === want &&
    (image === undefined || d.spec?.template?.spec?.containers?.[0]?.image === image)
  );
}

const isCondition = (p: Watched, type: string): boolean => {
  const c = p.status?.conditions?.find((x) => x.type === type);
  return c?.status === "True" && (c.observedGeneration ?? 0) >= (p.metadata.generation ?? 0);
};

class ProviderWatch {
  readonly readyAt = new Map<string, number>();
  readonly initializedAt = new Map<string, number>();
  firstJobAt: number | undefined;
  /** Provider updates (any resourceVersion change) seen while counting is on, e.g. during idle. */
  updates = 0;
  counting = false;
  private readonly providerInformers: Informer<Watched>[] = [];
  private readonly jobs: Informer<CachedObject>;
  private readonly deployments: Informer<WatchedDeployment>;
  private waiters: (() => void)[] = [];

  constructor(client: KubeClient) {
    const is = isCondition;
    for (const kind of PROVIDER_KINDS) {
      this.providerInformers.push(
        new Informer<Watched>(
          client,
          { apiVersion: API_VERSION, kind },
          {
            onEvent: (type, p) => {
              if (this.counting && type !== "added") this.updates++;
              const key = `${kind}/${p.metadata.name ?? ""}`;
              const now = performance.now();
              if (is(p, CONDITION_INITIALIZED) && !this.initializedAt.has(key))
                this.initializedAt.set(key, now);
              if (is(p, CONDITION_READY) && p.status?.phase === "Ready" && !this.readyAt.has(key)) {
                this.readyAt.set(key, now);
                for (const w of this.waiters) w();
              }
            },
          },
        ),
      );
    }
    this.jobs = new Informer<CachedObject>(
      client,
      { apiVersion: "batch/v1", kind: "Job", namespace: NAMESPACE },
      {
        onEvent: (type) => {
          if (type === "added") this.firstJobAt ??= performance.now();
        },
      },
    );
    this.deployments = new Informer<WatchedDeployment>(client, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: NAMESPACE,
    });
  }

  async start(): Promise<void> {
    await Promise.all([...this.providerInformers, this.jobs, this.deployments].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.providerInformers, this.jobs, this.deployments].map((i) => i.stop()));
  }

  /**
   * Providers that converged on a spec change: Ready (condition and phase) for their current
   * generation, which is past `generations`' one, and their run Deployment rolled out `image(p)`.
   */
  converged(generations: Map<string, number>, image: (p: Watched) => string): number {
    let count = 0;
    for (const inf of this.providerInformers)
      for (const p of inf.list()) {
        const key = `${p.kind}/${p.metadata.name ?? ""}`;
        if ((p.metadata.generation ?? 0) <= (generations.get(key) ?? Infinity)) continue;
        if (!isCondition(p, CONDITION_READY) || p.status?.phase !== "Ready") continue;
        const run = providerObjectNames(p.kind, p.metadata.name ?? "").run;
        if (deploymentRolledOut(this.deployments.get(run, NAMESPACE), image(p))) count++;
      }
    return count;
  }

  generations(): Map<string, number> {
    const out = new Map<string, number>();
    for (const inf of this.providerInformers)
      for (const p of inf.list()) out.set(`${p.kind}/${p.metadata.name ?? ""}`, p.metadata.generation ?? 0);
    return out;
  }

  async allReady(n: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.readyAt.size < n) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out: ${this.readyAt.size} of ${n} providers Ready`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
      this.waiters = [];
    }
  }

  /** Providers not Ready yet, with their Ready condition, for a timeout report. */
  notReady(limit = 5): string[] {
    const out: string[] = [];
    for (const inf of this.providerInformers) {
      for (const p of inf.list()) {
        const key = `${p.kind}/${p.metadata.name ?? ""}`;
        if (this.readyAt.has(key) || out.length >= limit) continue;
        const c = p.status?.conditions?.find((x) => x.type === CONDITION_READY);
        out.push(
          `${key}: phase=${p.status?.phase ?? "-"} Ready=${c?.status ?? "-"} ${c?.reason ?? ""} ${c?.message ?? ""}`,
        );
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// One run

interface RunResult {
  n: number;
  repeat: number;
  command: string;
  date: string;
  node: string;
  machine: string;
  workers: string;
  /** How the operator ran: "tsx" (sources) or "bundle" (scripts/bundle-operator.ts output). */
  entry: string;
  /** Node/V8 flags our operator ran with (the image's for the bundle, unless overridden). */
  nodeOptions?: string[];
  /** Commit of the code under test, "+dirty" when the operator's sources differ from it. */
  revision: string;
  ok: boolean;
  failure?: string;
  controlPlaneStartS: number;
  initCrdsMs: number;
  startupMs: number;
  createAllMs: number;
  firstJobMs: number;
  allInitializedS: number;
  allReadyS: number;
  latencyP50S: number;
  latencyP95S: number;
  startupRequests: Record<string, number>;
  rampRequests: Record<string, number>;
  rampRequestsByCode: Record<string, number>;
  rampReconciles: number;
  rampReconcileErrors: number;
  rampMeanReconcileMs: number;
  rampSkippedApplies: number;
  /** From the audit log: operator writes by "verb resource[/subresource] code". */
  rampWritesByResource: Record<string, number>;
  idleWritesByResource: Record<string, number>;
  /** Per step from create to Ready: median and maximum over providers, in seconds (audit log). */
  stages: Record<string, Quantiles>;
  eventsByReason: Record<string, number>;
  duplicateEvents: number;
  idleSeconds: number;
  idleRequests: Record<string, number>;
  idleWrites: number;
  idleWritesAfter5s: number;
  lastIdleWriteS: number | undefined;
  idleReconciles: number;
  idleProviderUpdates: number;
  rssAtReadyMiB: number;
  rssEndMiB: number;
  peakRssMiB: number;
  cpuStartupS: number;
  cpuRampS: number;
  cpuIdleS: number;
  /** CPU seconds during the ramp of every process involved: operator, control plane, bench. */
  cpuRampByProcess: Record<string, number>;
  /** Provider updates (resourceVersion changes) from first create to all Ready. */
  rampProviderUpdates: number;
  shutdownMs: number;
  exitCode: number | null;
  logByLevel: Record<string, number>;
  logErrors: [string, number][];
  logPath: string;
  loadStart: number;
  loadEnd: number;
  /** Which ran: our operator, the reference, or nobody (the floor); absent in older records = ours. */
  operator?: Mode;
  versions?: string;
  /** Providers Ready (the floor: Deployments available) at the end, also when the run timed out. */
  reached?: number;
  /** Seconds from the first create at which each provider turned Ready, sorted (the Ready count over time). */
  readyCurve?: number[];
  /** Seconds from the first create to the failure, for a run that timed out. */
  failedAfterS?: number;
  /** The operator's requests (audit log) by "verb resource[/subresource]": ramp, idle, spec change. */
  auditRamp?: Record<string, number>;
  /** Spawn → workers started (before any provider exists). */
  auditStartup?: Record<string, number>;
  auditIdle?: Record<string, number>;
  auditIdleWritesAfter5s?: number;
  auditSpecChange?: Record<string, number>;
  peakRssAtReadyMiB?: number;
  /** The API server's time for the operator's writes during the ramp, median ms by "verb resource". */
  writeLatencyMs?: Record<string, number>;
  /** VmHWM after the spec change (the whole life of the process). */
  peakRssEndMiB?: number;
  specChangeS?: number;
  specChangeReached?: number;
  cpuSpecChangeS?: number;
  /** The floor: first apply → the last Job succeeded. */
  allJobsCompleteS?: number;
}

async function runOnce(n: number, repeat: number, logDir: string, mode: Mode): Promise<RunResult> {
  if (mode === "floor") return runFloor(n, repeat, logDir);
  const loadStart = loadavg()[0] ?? 0;
  const progress = (msg: string): void => console.log(`[${mode} N=${n} #${repeat}] ${msg}`);
  const cpStarted = performance.now();
  const auditLog = join(logDir, `audit-${mode}-n${n}-r${repeat}.log`);
  const cp = await startAuditedControlPlane(logDir, auditLog);
  const controlPlaneStartS = (performance.now() - cpStarted) / 1000;
  let op: OperatorProcess | undefined;
  interrupted = async () => {
    op?.child.kill("SIGKILL");
    await cp.stop();
  };
  progress(`control plane up in ${controlPlaneStartS.toFixed(1)} s`);
  let watch: ProviderWatch | undefined;
  const partial: Partial<RunResult> = {
    ...runHeader(n, repeat, mode),
    controlPlaneStartS,
    loadStart,
  };
  const timeoutMs = mode === "reference" ? REFERENCE_TIMEOUT_MS : TIMEOUT_MS;
  let t0 = NaN;
  let wallAtStart = NaN;
  const curve = (): number[] =>
    watch
      ? [...watch.readyAt.values()].map((at) => +((at - t0) / 1000).toFixed(3)).sort((a, b) => a - b)
      : [];
  try {
    const client = KubeClient.create({ kubeconfig: cp.kubeconfigPath, userAgent: BENCH_USER_AGENT });
    const initStarted = performance.now();
    if (mode === "ours")
      await runToExit(
        [...operatorEntry, "init", `--environment=${ENVIRONMENT}`, `--kubeconfig=${cp.kubeconfigPath}`],
        process.env,
      );
    else await installReferenceCrds(client);
    // A CRD created a moment ago answers 429 "storage is (re)initializing" until its watch cache is
    // ready, and the operator's start-up would wait out the Retry-After. Not so in a real cluster,
    // where init ran long before: the client here waits it out instead (its 429 retries).
    if (mode === "ours") await client.list({ apiVersion: RUNTIME_API_VERSION, kind: RUNTIME_CONFIG_KIND });
    partial.initCrdsMs = performance.now() - initStarted;
    // No Pod Security label: the reference's pods have no security context.
    await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }, FIELD_MANAGER);
    watch = new ProviderWatch(client);
    await watch.start();

    const logPath = join(logDir, `${mode}-n${n}-r${repeat}.log`);
    const wallAtSpawn = Date.now();
    op =
      mode === "ours"
        ? await spawnOperator(cp.kubeconfigPath, logPath)
        : await spawnReference(cp.kubeconfigPath, logPath);
    partial.logPath = op.logPath;
    const synced = await within(op.cachesSynced, 120_000);
    if (synced === undefined) throw new Error("the operator did not start its workers within 120 s");
    partial.startupMs = synced - op.spawnedAt;
    const cpuAtSync = cpuSeconds(op.pid);
    partial.cpuStartupS = cpuAtSync;
    // The metrics server listens before the informers start, so it answers by now.
    const atSync = mode === "ours" ? await scrape(op.port) : [];
    partial.startupRequests = requestsByVerb([], atSync);
    progress(`operator started its workers after ${partial.startupMs.toFixed(0)} ms`);

    const providers = Array.from({ length: n }, (_, i) => benchProvider(i));
    const createdAt = new Map<string, number>();
    const wallAtSync = Date.now();
    const cpuBefore = { operator: cpuAtSync, ...componentCpu(cp) };
    watch.counting = true;
    t0 = performance.now();
    wallAtStart = Date.now();
    await pool(providers, CREATE_CONCURRENCY, async (p) => {
      await client.apply(p, FIELD_MANAGER);
      createdAt.set(`${p.kind}/${p.metadata.name ?? ""}`, performance.now());
    });
    partial.createAllMs = performance.now() - t0;
    progress(`created ${n} providers in ${partial.createAllMs.toFixed(0)} ms`);
    try {
      await watch.allReady(n, timeoutMs);
    } catch (err) {
      partial.reached = watch.readyAt.size;
      partial.readyCurve = curve();
      partial.peakRssMiB = memory(op.pid).hwm;
      partial.cpuRampS = cpuSeconds(op.pid) - cpuAtSync;
      partial.cpuRampByProcess = diff({ operator: cpuSeconds(op.pid), ...componentCpu(cp) }, cpuBefore);
      await sleep(1000);
      const audit = readAudit(auditLog);
      partial.auditRamp = auditRequests(audit, ACTORS[mode], wallAtSync, Date.now());
      partial.stages = pipelineStages(audit, Date.now(), mode);
      throw err;
    }
    const tReady = performance.now();
    const wallAtReady = Date.now();
    partial.readyCurve = curve();
    partial.reached = watch.readyAt.size;
    const atReady = mode === "ours" ? await scrape(op.port) : [];
    const cpuAtReady = cpuSeconds(op.pid);
    partial.cpuRampByProcess = diff({ operator: cpuAtReady, ...componentCpu(cp) }, cpuBefore);
    partial.rampProviderUpdates = watch.updates;
    watch.updates = 0;
    partial.rssAtReadyMiB = memory(op.pid).rss;
    partial.peakRssAtReadyMiB = memory(op.pid).hwm;
    partial.allReadyS = (tReady - t0) / 1000;
    partial.allInitializedS = (Math.max(...watch.initializedAt.values()) - t0) / 1000;
    partial.firstJobMs = (watch.firstJobAt ?? NaN) - t0;
    const latencies = [...watch.readyAt].map(([k, at]) => (at - (createdAt.get(k) ?? t0)) / 1000);
    partial.latencyP50S = quantile(latencies, 0.5);
    partial.latencyP95S = quantile(latencies, 0.95);
    partial.rampRequests = requestsByVerb(atSync, atReady);
    partial.rampRequestsByCode = requestsByCode(atSync, atReady);
    partial.rampReconciles =
      sumOf(atReady, "controller_runtime_reconcile_total") -
      sumOf(atSync, "controller_runtime_reconcile_total");
    partial.rampReconcileErrors =
      sumOf(atReady, "controller_runtime_reconcile_errors_total") -
      sumOf(atSync, "controller_runtime_reconcile_errors_total");
    const durSum =
      sumOf(atReady, "controller_runtime_reconcile_time_seconds_sum") -
      sumOf(atSync, "controller_runtime_reconcile_time_seconds_sum");
    const durCount =
      sumOf(atReady, "controller_runtime_reconcile_time_seconds_count") -
      sumOf(atSync, "controller_runtime_reconcile_time_seconds_count");
    partial.rampMeanReconcileMs = durCount > 0 ? (durSum / durCount) * 1000 : NaN;
    partial.rampSkippedApplies =
      sumOf(atReady, "openmcp_apply_skipped_total") - sumOf(atSync, "openmcp_apply_skipped_total");
    partial.cpuRampS = cpuAtReady - cpuAtSync;
    progress(`all ${n} Ready after ${partial.allReadyS.toFixed(2)} s; idling ${IDLE_SECONDS} s`);

    // Idle: nothing changes; every write the operator sends now is one too many.
    let lastWrites = 0;
    let lastIdleWriteS: number | undefined;
    let writesAt5s = 0;
    for (let s = 1; s <= IDLE_SECONDS; s++) {
      await sleep(tReady + s * 1000 - performance.now());
      if (mode !== "ours") continue;
      const w = writesIn(requestsByVerb(atReady, await scrape(op.port)));
      if (w > lastWrites) lastIdleWriteS = s;
      if (s === 5) writesAt5s = w;
      lastWrites = w;
    }
    const atIdleEnd = mode === "ours" ? await scrape(op.port) : [];
    const wallAtIdleEnd = Date.now();
    partial.idleRequests = requestsByVerb(atReady, atIdleEnd);
    partial.idleWrites = writesIn(partial.idleRequests);
    partial.idleWritesAfter5s = IDLE_SECONDS >= 5 ? partial.idleWrites - writesAt5s : NaN;
    partial.lastIdleWriteS = lastIdleWriteS;
    partial.idleReconciles =
      sumOf(atIdleEnd, "controller_runtime_reconcile_total") -
      sumOf(atReady, "controller_runtime_reconcile_total");
    partial.idleProviderUpdates = watch.updates;
    if (flags["heap-snapshot"] && mode === "ours") {
      op.child.kill("SIGUSR2");
      await sleep(15_000);
      progress(`heap snapshot requested (SIGUSR2) into ${logDir}`);
    }
    const cpuAtIdleEnd = cpuSeconds(op.pid);
    partial.cpuIdleS = cpuAtIdleEnd - cpuAtReady;
    const mem = memory(op.pid);
    partial.rssEndMiB = mem.rss;
    partial.peakRssMiB = mem.hwm;

    // A spec change of all N: a new image, so a new init Job and a rollout of every Deployment.
    let wallAtSpecEnd = wallAtIdleEnd;
    if (SPEC_CHANGE_TIMEOUT_MS > 0) {
      const generations = watch.generations();
      const image = (p: { kind: ProviderKind }): string => `${IMAGES[p.kind]}:v1.0.0-bench`;
      const ts = performance.now();
      await pool(providers, CREATE_CONCURRENCY, async (p) => {
        await client.apply({ ...p, spec: { ...p.spec, image: image(p) } }, FIELD_MANAGER);
      });
      let reached = 0;
      for (;;) {
        reached = watch.converged(generations, image);
        if (reached >= n || performance.now() - ts > SPEC_CHANGE_TIMEOUT_MS) break;
        await sleep(100);
      }
      partial.specChangeReached = reached;
      partial.specChangeS = reached >= n ? (performance.now() - ts) / 1000 : NaN;
      partial.cpuSpecChangeS = cpuSeconds(op.pid) - cpuAtIdleEnd;
      partial.peakRssEndMiB = memory(op.pid).hwm;
      wallAtSpecEnd = Date.now();
      progress(
        reached >= n
          ? `spec change: all ${n} converged after ${partial.specChangeS.toFixed(2)} s`
          : `spec change: ${reached} of ${n} converged within the timeout`,
      );
    }

    // Let the audit backend flush its last lines.
    await sleep(1000);
    const audit = readAudit(auditLog);
    const actor = ACTORS[mode];
    partial.auditStartup = auditRequests(audit, actor, wallAtSpawn, wallAtSync);
    partial.auditRamp = auditRequests(audit, actor, wallAtSync, wallAtReady);
    partial.auditIdle = auditRequests(audit, actor, wallAtReady, wallAtIdleEnd);
    partial.auditIdleWritesAfter5s = auditWritesIn(
      auditRequests(audit, actor, wallAtReady + 5000, wallAtIdleEnd, { writesOnly: true }),
    );
    if (SPEC_CHANGE_TIMEOUT_MS > 0)
      partial.auditSpecChange = auditRequests(audit, actor, wallAtIdleEnd, wallAtSpecEnd);
    partial.rampWritesByResource = auditRequests(audit, actor, wallAtSync, wallAtReady, {
      writesOnly: true,
      withCode: true,
    });
    partial.idleWritesByResource = auditRequests(audit, actor, wallAtReady, wallAtIdleEnd, {
      writesOnly: true,
      withCode: true,
    });
    partial.stages = pipelineStages(audit, wallAtReady, mode);
    partial.writeLatencyMs = auditWriteLatency(audit, actor, wallAtSync, wallAtReady);
    if (mode === "ours") {
      const events = await operatorEvents(client);
      partial.eventsByReason = events.byReason;
      partial.duplicateEvents = events.duplicates;
    }

    const stopAt = performance.now();
    op.child.kill("SIGTERM");
    const code = await within(op.exited, 15_000);
    if (code === undefined) {
      op.child.kill("SIGKILL");
      partial.exitCode = await op.exited;
      partial.shutdownMs = NaN;
    } else {
      partial.exitCode = code;
      partial.shutdownMs = performance.now() - stopAt;
    }
    partial.ok = true;
  } catch (err) {
    partial.ok = false;
    partial.failure = (err as Error).message;
    if (watch) partial.failure += `\n${watch.notReady().join("\n")}`;
    if (Number.isFinite(wallAtStart)) partial.failedAfterS = (Date.now() - wallAtStart) / 1000;
    progress(`FAILED: ${partial.failure}`);
  } finally {
    if (op && op.child.exitCode === null && op.child.signalCode === null) {
      op.child.kill("SIGKILL");
      await op.exited;
    }
    await watch?.stop();
    await cp.stop();
    interrupted = undefined;
  }
  if (op) {
    // The reference's log is counted once it exited.
    await sleep(50);
    partial.logByLevel = op.log.byLevel;
    partial.logErrors = [...op.log.errors].sort((a, b) => b[1] - a[1]);
  }
  partial.loadEnd = loadavg()[0] ?? 0;
  return partial as RunResult;
}

async function startAuditedControlPlane(logDir: string, auditLog: string): Promise<ControlPlane> {
  const auditPolicy = join(logDir, "audit-policy.yaml");
  writeFileSync(auditPolicy, AUDIT_POLICY);
  return startControlPlane({
    full: true,
    progress: () => undefined,
    apiserverArgs: [
      `--audit-policy-file=${auditPolicy}`,
      `--audit-log-path=${auditLog}`,
      "--audit-log-maxsize=0",
    ],
  });
}

/** How our operator ran in a run, for the report's header. */
function oursCommandLine(r: RunResult): string {
  const node = ["node", ...(r.nodeOptions ?? [])].join(" ");
  return r.entry === "bundle"
    ? `\`${node} openmcp-operator.mjs run\` (the bundle the image ships, from scripts/bundle-operator.ts)`
    : `\`${node} --import tsx packages/operator/src/main.ts run\``;
}

/** The flags between `node` and the script in the Dockerfile's exec-form ENTRYPOINT. */
function imageNodeFlags(dockerfile: string): string[] {
  const line = dockerfile.split("\n").find((l) => l.startsWith("ENTRYPOINT "));
  const argv = line ? (JSON.parse(line.slice("ENTRYPOINT ".length)) as unknown) : undefined;
  if (!Array.isArray(argv) || argv[0] !== "node")
    throw new Error(
      `cannot read the operator's Node flags: the Dockerfile has no exec-form ENTRYPOINT ["node", …]`,
    );
  return (argv as string[]).slice(1).filter((a) => a.startsWith("--"));
}

function runHeader(n: number, repeat: number, mode: Mode): Partial<RunResult> {
  return {
    n,
    repeat,
    operator: mode,
    command: COMMAND,
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    machine: `${availableParallelism()} CPUs (\`nproc\`), ${cpus()[0]?.model.trim() ?? "unknown"}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    workers: flags.workers ?? "4 (default)",
    entry: mode === "reference" ? `reference ${REFERENCE_VERSION}` : flags.bundle ? "bundle" : "tsx",
    ...(mode === "ours" ? { nodeOptions: [...OPERATOR_NODE_OPTIONS] } : {}),
    revision: sourceRevision(),
    versions: `Kubernetes ${KUBERNETES_VERSION}, etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION}`,
    idleSeconds: IDLE_SECONDS,
  };
}

/** The floor's objects: what our renderer produces, without owner references (there is no provider object). */
function floorObjects(p: Provider): {
  init: ApplyObject[];
  run: ApplyObject[];
  job: string;
  deployment: string;
} {
  const ctx: RenderContext = { environment: ENVIRONMENT, namespace: NAMESPACE, webhookSecretPresent: false };
  const init = renderInitObjects(p, ctx);
  const run = renderRunObjects(p, ctx);
  const strip = <T extends { metadata?: object }>(o: T): ApplyObject => {
    const copy = structuredClone(o) as T & { metadata: { ownerReferences?: unknown } };
    delete copy.metadata.ownerReferences;
    return copy as unknown as ApplyObject;
  };
  return {
    init: [init.serviceAccount, init.clusterRoleBinding, init.role, init.roleBinding, init.job].map(strip),
    run: [
      run.serviceAccount,
      run.clusterRoleBinding,
      run.deployment,
      ...(run.metricsService ? [run.metricsService] : []),
    ].map(strip),
    job: init.job.metadata.name!,
    deployment: run.deployment.metadata.name!,
  };
}

interface WatchedJob extends CachedObject {
  status?: { succeeded?: number };
}

/**
 * The floor: no operator. The bench applies the rendered init objects of all N (SAs, RBAC, Jobs) as
 * fast as the API server takes them, each provider's run objects the moment its Job succeeded, and
 * measures until every Job completed and every Deployment is available.
 */
async function runFloor(n: number, repeat: number, logDir: string): Promise<RunResult> {
  const mode: Mode = "floor";
  const loadStart = loadavg()[0] ?? 0;
  const progress = (msg: string): void => console.log(`[floor N=${n} #${repeat}] ${msg}`);
  const cpStarted = performance.now();
  const auditLog = join(logDir, `audit-floor-n${n}-r${repeat}.log`);
  const cp = await startAuditedControlPlane(logDir, auditLog);
  const controlPlaneStartS = (performance.now() - cpStarted) / 1000;
  interrupted = () => cp.stop();
  progress(`control plane up in ${controlPlaneStartS.toFixed(1)} s`);
  const partial: Partial<RunResult> = { ...runHeader(n, repeat, mode), controlPlaneStartS, loadStart };
  const informers: Informer<CachedObject>[] = [];
  try {
    const client = KubeClient.create({ kubeconfig: cp.kubeconfigPath, userAgent: BENCH_USER_AGENT });
    const applier = KubeClient.create({ kubeconfig: cp.kubeconfigPath, userAgent: FLOOR_USER_AGENT });
    await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }, FIELD_MANAGER);
    const providers = Array.from({ length: n }, (_, i) => benchProvider(i));
    const objects = providers.map(floorObjects);
    const byJob = new Map(objects.map((o) => [o.job, o]));
    const jobDoneAt = new Map<string, number>();
    const availableAt = new Map<string, number>();
    const errors: Error[] = [];
    let t0 = NaN;
    // Run objects in flight at most CREATE_CONCURRENCY at once, as the init objects.
    const queue: (() => Promise<void>)[] = [];
    let active = 0;
    const kick = (): void => {
      while (active < CREATE_CONCURRENCY && queue.length > 0) {
        const task = queue.shift()!;
        active++;
        void task()
          .catch((err: unknown) => errors.push(err as Error))
          .finally(() => {
            active--;
            kick();
          });
      }
    };
    const jobs = new Informer<WatchedJob>(
      client,
      { apiVersion: "batch/v1", kind: "Job", namespace: NAMESPACE },
      {
        onEvent: (_type, job) => {
          const o = byJob.get(job.metadata.name ?? "");
          if (!o || jobDoneAt.has(o.job) || !((job.status?.succeeded ?? 0) > 0)) return;
          jobDoneAt.set(o.job, performance.now());
          queue.push(async () => {
            for (const obj of o.run) await applier.apply(obj, "bench-floor");
          });
          kick();
        },
      },
    );
    const deployments = new Informer<WatchedDeployment>(
      client,
      { apiVersion: "apps/v1", kind: "Deployment", namespace: NAMESPACE },
      {
        onEvent: (_type, d) => {
          if (!availableAt.has(d.metadata.name ?? "") && deploymentRolledOut(d))
            availableAt.set(d.metadata.name ?? "", performance.now());
        },
      },
    );
    informers.push(jobs, deployments);
    await Promise.all(informers.map((i) => i.start()));
    const cpuBefore = componentCpu(cp);
    const wallAtStart = Date.now();
    t0 = performance.now();
    await pool(objects, CREATE_CONCURRENCY, async (o) => {
      for (const obj of o.init) await applier.apply(obj, "bench-floor");
    });
    partial.createAllMs = performance.now() - t0;
    progress(`applied the init objects of ${n} providers in ${partial.createAllMs.toFixed(0)} ms`);
    const deadline = t0 + TIMEOUT_MS;
    while (availableAt.size < n && errors.length === 0 && performance.now() < deadline) await sleep(50);
    if (errors.length > 0) throw errors[0]!;
    partial.reached = availableAt.size;
    partial.readyCurve = [...availableAt.values()]
      .map((at) => +((at - t0) / 1000).toFixed(3))
      .sort((a, b) => a - b);
    if (availableAt.size < n) throw new Error(`timed out: ${availableAt.size} of ${n} Deployments available`);
    const wallAtReady = Date.now();
    partial.allReadyS = (Math.max(...availableAt.values()) - t0) / 1000;
    partial.allJobsCompleteS = (Math.max(...jobDoneAt.values()) - t0) / 1000;
    partial.cpuRampByProcess = diff(componentCpu(cp), cpuBefore);
    progress(
      `all ${n} Jobs complete after ${partial.allJobsCompleteS.toFixed(2)} s, all Deployments available after ${partial.allReadyS.toFixed(2)} s`,
    );
    await sleep(1000);
    const audit = readAudit(auditLog);
    partial.auditRamp = auditRequests(audit, ACTORS.floor, wallAtStart, wallAtReady);
    partial.rampWritesByResource = auditRequests(audit, ACTORS.floor, wallAtStart, wallAtReady, {
      writesOnly: true,
      withCode: true,
    });
    partial.stages = pipelineStages(audit, wallAtReady, mode);
    partial.writeLatencyMs = auditWriteLatency(audit, ACTORS.floor, wallAtStart, wallAtReady);
    partial.ok = true;
  } catch (err) {
    partial.ok = false;
    partial.failure = (err as Error).message;
    progress(`FAILED: ${partial.failure}`);
  } finally {
    await Promise.all(informers.map((i) => i.stop()));
    await cp.stop();
    interrupted = undefined;
  }
  partial.loadEnd = loadavg()[0] ?? 0;
  return partial as RunResult;
}

// ---------------------------------------------------------------------------------------------
// Report

function stats(values: number[]): { min: number; median: number; max: number } | undefined {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { min: v[0]!, median, max: v[v.length - 1]! };
}

function fmt(x: number | undefined, digits: number): string {
  return x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : "—";
}

const sizesOf = (results: RunResult[]): number[] =>
  [...new Set(results.map((r) => r.n))].sort((a, b) => a - b);
const okRuns = (results: RunResult[], n: number): RunResult[] => results.filter((r) => r.n === n && r.ok);

/** "median (min–max)", or just the value when all runs agree. */
function spread(values: number[], digits: number): string {
  const s = stats(values);
  if (!s) return "—";
  return s.min === s.max
    ? fmt(s.median, digits)
    : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

function metricTable(
  results: RunResult[],
  title: string,
  note: string,
  pick: (r: RunResult) => number,
  digits: number,
): string {
  const rows = sizesOf(results).map((n) => {
    const runs = okRuns(results, n);
    const s = stats(runs.map(pick));
    return `| ${n} | ${runs.length} | ${fmt(s?.min, digits)} | ${fmt(s?.median, digits)} | ${fmt(s?.max, digits)} |`;
  });
  return `### ${title}\n\n${note ? `${note}\n\n` : ""}| N | runs | min | median | max |\n| ---: | ---: | ---: | ---: | ---: |\n${rows.join("\n")}\n`;
}

/** Rows are keys (a verb, "patch jobs 201", a process), columns sizes; cells median (min–max) over runs. */
function keyTable(
  results: RunResult[],
  label: string,
  pick: (r: RunResult) => Record<string, number> | undefined,
  options: {
    perProvider: boolean;
    digits: number;
    writesRow?: boolean;
    total?: boolean;
    order?: readonly string[];
  },
): string {
  const sizes = sizesOf(results);
  const ok = results.filter((r) => r.ok && pick(r));
  const seen = new Set(ok.flatMap((r) => Object.keys(pick(r)!)));
  const keys = options.order ? options.order.filter((k) => seen.has(k)) : [...seen].sort();
  if (keys.length === 0) return "None.\n";
  const head = `| ${label} | ${sizes.map((n) => `N=${n}`).join(" | ")} |\n| --- |${sizes.map(() => " ---: |").join("")}`;
  const row = (name: string, value: (r: RunResult) => number): string =>
    `| ${name} | ${sizes
      .map((n) =>
        spread(
          ok.filter((r) => r.n === n).map((r) => value(r) / (options.perProvider ? n : 1)),
          options.digits,
        ),
      )
      .join(" | ")} |`;
  const rows = keys.map((k) => row(k, (r) => pick(r)![k] ?? 0));
  if (options.total ?? true)
    rows.push(row("**total**", (r) => Object.values(pick(r)!).reduce((a, b) => a + b, 0)));
  if (options.writesRow) rows.push(row("**writes** (not get/list/watch)", (r) => writesIn(pick(r)!)));
  return `${head}\n${rows.join("\n")}\n`;
}

/** Time to all Ready against N: median with a min–max bar per size. Plain SVG, no dependencies. */
/** Axis steps (1, 2 or 5 × 10^k, about five ticks) and the value → pixel maps of an SVG plot. */
function plotScales(
  W: number,
  H: number,
  m: { left: number; right: number; top: number; bottom: number },
  maxX: number,
  maxY: number,
) {
  const niceStep = (range: number): number => {
    const raw = range / 5;
    const mag = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 5, 10].map((k) => k * mag).find((st) => st >= raw) ?? 10 * mag;
  };
  const yStep = niceStep(maxY);
  const yTop = Math.ceil(maxY / yStep) * yStep;
  const xStep = niceStep(maxX);
  const xTop = Math.ceil(maxX / xStep) * xStep;
  const x = (v: number): number => +(m.left + (v / xTop) * (W - m.left - m.right)).toFixed(1);
  const y = (v: number): number => +(H - m.bottom - (v / yTop) * (H - m.top - m.bottom)).toFixed(1);
  return { x, y, xStep, xTop, yStep, yTop };
}

function renderSvg(results: RunResult[]): string {
  const points = sizesOf(results)
    .map((n) => ({ n, s: stats(okRuns(results, n).map((r) => r.allReadyS)) }))
    .filter((p): p is { n: number; s: NonNullable<typeof p.s> } => p.s !== undefined);
  const W = 640;
  const H = 400;
  const m = { left: 70, right: 40, top: 40, bottom: 60 };
  const maxN = Math.max(1, ...points.map((p) => p.n));
  const maxY = Math.max(1, ...points.map((p) => p.s.max));
  const { x, y, xStep, xTop, yStep, yTop } = plotScales(W, H, m, maxN, maxY);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">Operator: first create to all N providers Ready</text>`,
  ];
  for (let i = 0; i * yStep <= yTop + 1e-9; i++) {
    const v = i * yStep;
    parts.push(
      `<line x1="${m.left}" x2="${W - m.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 8}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(3)}</text>`,
    );
  }
  for (let i = 0; i * xStep <= xTop + 1e-9; i++) {
    const n = i * xStep;
    parts.push(
      `<line x1="${x(n)}" x2="${x(n)}" y1="${H - m.bottom}" y2="${H - m.bottom + 5}" stroke="black"/>`,
      `<text x="${x(n)}" y="${H - m.bottom + 20}" text-anchor="middle">${n}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${W - m.right}" y1="${H - m.bottom}" y2="${H - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${H - m.bottom}" stroke="black"/>`,
    `<text x="${(m.left + W - m.right) / 2}" y="${H - 18}" text-anchor="middle">providers created at once (N)</text>`,
    `<text transform="translate(18 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">seconds to all Ready</text>`,
  );
  if (points.length > 1)
    parts.push(
      `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${points.map((p) => `${x(p.n)},${y(p.s.median)}`).join(" ")}"/>`,
    );
  for (const p of points) {
    parts.push(
      `<line x1="${x(p.n)}" x2="${x(p.n)}" y1="${y(p.s.min)}" y2="${y(p.s.max)}" stroke="#1f77b4"/>`,
      `<line x1="${x(p.n) - 5}" x2="${x(p.n) + 5}" y1="${y(p.s.min)}" y2="${y(p.s.min)}" stroke="#1f77b4"/>`,
      `<line x1="${x(p.n) - 5}" x2="${x(p.n) + 5}" y1="${y(p.s.max)}" y2="${y(p.s.max)}" stroke="#1f77b4"/>`,
      `<circle cx="${x(p.n)}" cy="${y(p.s.median)}" r="4" fill="#1f77b4"/>`,
    );
  }
  // Values as a list in the empty upper-left corner: small N sit too close together for labels.
  points.forEach((p, i) =>
    parts.push(
      `<text x="${m.left + 12}" y="${m.top + 16 + i * 16}">N=${p.n}: ${fmt(p.s.median, 1)} s (runs: ${okRuns(results, p.n).length})</text>`,
    ),
  );
  parts.push(
    `<text x="${W - m.right}" y="${m.top - 6}" text-anchor="end" fill="#555">dot: median, bar: min–max over repeats</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}

const distinct = (values: (string | number | undefined)[]): string =>
  [...new Set(values.filter((v) => v !== undefined))].join("; ");

function renderReport(results: RunResult[], svgName: string): string {
  const sizes = sizesOf(results);
  const failed = results.filter((r) => !r.ok);
  const errorTotals = new Map<string, number>();
  for (const r of results)
    for (const [k, v] of r.logErrors ?? []) errorTotals.set(k, (errorTotals.get(k) ?? 0) + v);
  const levelRows = sizes.map((n) => {
    const runs = results.filter((r) => r.n === n);
    const count = (lvl: string): string => runs.map((r) => r.logByLevel?.[lvl] ?? 0).join(", ");
    return `| ${n} | ${count("error")} | ${count("info")} |`;
  });
  const perRun = results.map(
    (r) =>
      `| ${r.n} | ${r.repeat} | ${r.ok ? "ok" : "FAILED"} | ${r.date} | ${r.revision} | ${fmt(r.controlPlaneStartS, 1)} | ${fmt(r.startupMs, 0)} | ${fmt(r.createAllMs, 0)} | ${fmt(r.allReadyS, 2)} | ${r.ok ? fmt(writesIn(r.rampRequests) / r.n, 1) : "—"} | ${r.ok ? r.idleWrites : "—"} | ${fmt(r.peakRssMiB, 0)} | ${fmt(r.cpuStartupS + r.cpuRampS, 2)} | ${fmt(r.loadStart, 2)} / ${fmt(r.loadEnd, 2)} |`,
  );
  const codeRows = sizes.map((n) => {
    const totals: Record<string, number> = {};
    for (const r of okRuns(results, n))
      for (const [k, v] of Object.entries(r.rampRequestsByCode)) totals[k] = (totals[k] ?? 0) + v;
    return `| ${n} | ${Object.entries(totals)
      .sort()
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ")} |`;
  });
  const idle = distinct(results.map((r) => r.idleSeconds));
  // Raw runs, so that --merge can add sizes later without re-running the others.
  const data = JSON.stringify(results).replaceAll("--", "-\\u002d");
  return `${MARK_START}
<!-- Everything between these markers is written by bench/operator.bench.ts; edit outside them. -->

| | |
| --- | --- |
| Command | ${distinct(results.map((r) => r.command))
    .split("; ")
    .map((c) => `\`${c}\``)
    .join("<br>")} |
| Node | ${distinct(results.map((r) => r.node))} (the operator runs on the same binary) |
| Operator entry | ${distinct(results.map((r) => oursCommandLine(r)))} |
| Machine | ${distinct(results.map((r) => r.machine))} |
| Date | ${distinct(results.map((r) => r.date))} |
| Code measured (git) | ${distinct(results.map((r) => r.revision))} |
| Load average (1 min), lowest / highest at the start of a run | ${fmt(Math.min(...results.map((r) => r.loadStart)), 2)} / ${fmt(Math.max(...results.map((r) => r.loadStart)), 2)} |
| Runs | ${sizes.map((n) => `N=${n} × ${results.filter((r) => r.n === n).length}`).join(", ")}; idle ${idle} s; create concurrency ${CREATE_CONCURRENCY}; operator workers per kind: ${distinct(results.map((r) => r.workers))} |
| Failed runs | ${failed.length === 0 ? "none" : failed.map((r) => `N=${r.n} #${r.repeat}: ${(r.failure ?? "").split("\n")[0] ?? ""}`).join("; ")} |

Each run starts a fresh full control plane (etcd, kube-apiserver with a write-only audit log,
kube-controller-manager, kube-scheduler, kwok with 2 fake nodes; kwok makes pods Running after
~0.1 s and completes Job pods ~0.3 s later), installs the CRDs with \`main.ts init\`, creates the
\`${NAMESPACE}\` namespace and starts the operator as a child process (\`-v INFO\`, metrics on
loopback, health probes off). Then it applies N providers with server-side apply
(${CREATE_CONCURRENCY} in flight; kinds round-robin, 4 env vars, verbosity INFO/DEBUG/ERROR,
runReplicas 1–2) and watches the three kinds until every provider has \`Ready=True\` (with a current
\`observedGeneration\`) and phase \`Ready\`. Request counts come from the operator's own
\`openmcp_api_requests_total\`, the breakdown by object from the API server's audit log; CPU from
\`/proc/<pid>/stat\` (utime+stime), memory from \`/proc/<pid>/status\` (VmRSS, VmHWM). The bench,
the control plane and the operator share the same CPUs, so every time includes contention between
them and with any other work on the machine: treat differences of a few tens of percent as noise.

## Time to Ready

![time to all Ready vs N](${svgName})

${metricTable(results, "First create → all N Ready (s)", "From the first apply sent to the last provider seen Ready by the bench's watch.", (r) => r.allReadyS, 2)}
${metricTable(results, "First create → all N Initialized (s)", "Initialized=True: the init Job succeeded.", (r) => r.allInitializedS, 2)}
${metricTable(results, "Per-provider latency, create → Ready, p50 (s)", "Median over the providers of a run; then min/median/max over runs.", (r) => r.latencyP50S, 2)}
${metricTable(results, "Per-provider latency, create → Ready, p95 (s)", "", (r) => r.latencyP95S, 2)}
${metricTable(results, "First create → first init Job exists (ms)", "The operator's reaction time to a new provider.", (r) => r.firstJobMs, 0)}
${metricTable(results, "Creating N providers (ms)", "The bench's own server-side applies; context for the numbers above, not the operator's work.", (r) => r.createAllMs, 0)}
### CPU seconds by process, first create → all Ready

Where the machine's time went during the ramp (median over runs, min–max in brackets).

${keyTable(results, "process", (r) => r.cpuRampByProcess, { perProvider: false, digits: 2 })}
### Where a provider's time goes (API server audit log)

Each step's duration per provider, from the audit timestamps of the writes that mark it; the
median over providers, then median over runs (min–max in brackets). Steps marked "operator" wait
for a reconcile (queue and API round trips); the others are the local cluster's controllers.

${keyTable(
  results,
  "step: median over providers (s)",
  (r) => (r.stages ? Object.fromEntries(Object.entries(r.stages).map(([k, v]) => [k, v.p50])) : undefined),
  { perProvider: false, digits: 2, total: false, order: STAGES.map((s) => s[2]) },
)}
${keyTable(
  results,
  "step: slowest provider (s)",
  (r) => (r.stages ? Object.fromEntries(Object.entries(r.stages).map(([k, v]) => [k, v.max])) : undefined),
  { perProvider: false, digits: 2, total: false, order: STAGES.map((s) => s[2]) },
)}
## API requests per provider to reach Ready

From the operator's \`openmcp_api_requests_total\` between caches synced and all Ready, divided by
N (median over runs, min–max in brackets). \`patch\` covers server-side applies, finalizer and
status patches; \`create\` is Events. \`watch\` counts opened watches; with few providers the
informers' first watches answer only after caches synced and land here.

${keyTable(results, "verb", (r) => r.rampRequests, { perProvider: true, digits: 2, writesRow: true })}
Status codes (sum over all runs of each size, not per provider):

| N | verb code: count |
| ---: | --- |
${codeRows.join("\n")}

### Operator writes per provider to Ready, by object (API server audit log)

"verb resource[/subresource] HTTP code"; a server-side apply that creates an object answers 201.
Expected per provider: one apply per rendered object, one finalizer patch, and about three status
patches (init running, initialized, ready).

${keyTable(results, "write", (r) => r.rampWritesByResource, { perProvider: true, digits: 2 })}
${metricTable(results, "Provider updates seen by the bench's watch, per provider, to Ready", "resourceVersion changes of the provider objects (finalizer and status patches that changed something).", (r) => r.rampProviderUpdates / r.n, 2)}
### Events recorded by the operator, per provider

Counted in the \`default\` namespace at the end of idle; expected: one each of InitStarted,
InitSucceeded and ProviderReady.

${keyTable(results, "reason", (r) => r.eventsByReason, { perProvider: true, digits: 2 })}
${metricTable(results, "Duplicate Events per provider", "Events for the same provider and reason beyond the first.", (r) => r.duplicateEvents / r.n, 2)}
${metricTable(results, "Reconciles per provider to Ready", "", (r) => r.rampReconciles / r.n, 1)}
${metricTable(results, "Mean reconcile duration (ms)", "controller_runtime_reconcile_time_seconds sum/count over the ramp.", (r) => r.rampMeanReconcileMs, 1)}
${metricTable(results, "Failed reconciles during the ramp", "controller_runtime_reconcile_errors_total.", (r) => r.rampReconcileErrors, 0)}
${metricTable(results, "Applies skipped as no-ops during the ramp, per provider", "openmcp_apply_skipped_total / N.", (r) => r.rampSkippedApplies / r.n, 1)}
Requests while starting (informer lists and watches, before any provider exists), per run:

${keyTable(results, "verb", (r) => r.startupRequests, { perProvider: false, digits: 0 })}
## Idle after all Ready (${idle} s)

Nothing changes in the cluster; the goal is zero writes.

${metricTable(results, `Writes during idle (goal 0)`, "Requests other than get/list/watch, counted from the moment all N were Ready.", (r) => r.idleWrites, 0)}
${metricTable(results, "Writes after the first 5 s of idle", "Leaves out the tail of the ramp (Events and status patches still in flight when the last provider turned Ready).", (r) => r.idleWritesAfter5s, 0)}
${metricTable(results, "Reconciles during idle", "", (r) => r.idleReconciles, 0)}
${metricTable(results, "Provider updates seen by the bench's watch during idle", "", (r) => r.idleProviderUpdates, 0)}
Idle requests by verb (per run):

${keyTable(results, "verb", (r) => r.idleRequests, { perProvider: false, digits: 0, writesRow: true })}
Operator writes during idle by object (audit log, per run):

${keyTable(results, "write", (r) => r.idleWritesByResource, { perProvider: false, digits: 0 })}
## Resources of the operator process

${metricTable(results, "Start-up: spawn → 'caches synced' log line (ms)", "Includes Node start, loading the code (through tsx: compiling the TypeScript sources, cached across runs in tsx's cache directory) and the first list of 12 resource types (3 provider kinds, 8 owned kinds, webhook Secrets' metadata).", (r) => r.startupMs, 0)}
${metricTable(results, "Peak RSS, VmHWM (MiB)", "Over the whole life of the process.", (r) => r.peakRssMiB, 0)}
${metricTable(results, "RSS when all N Ready (MiB)", "", (r) => r.rssAtReadyMiB, 0)}
${metricTable(results, "RSS at the end of idle (MiB)", "", (r) => r.rssEndMiB, 0)}
${metricTable(results, "CPU seconds, start-up (spawn → caches synced)", "utime+stime of the operator process (through tsx, the esbuild helper process it compiles with is not included).", (r) => r.cpuStartupS, 2)}
${metricTable(results, "CPU seconds, ramp (caches synced → all Ready)", "", (r) => r.cpuRampS, 2)}
${metricTable(results, "CPU seconds, idle", "", (r) => r.cpuIdleS, 2)}
${metricTable(results, "Graceful shutdown after SIGTERM (ms)", "", (r) => r.shutdownMs, 0)}
## Operator log

Lines by level per run (\`-v INFO\`), in run order:

| N | error | info |
| ---: | --- | --- |
${levelRows.join("\n")}

${
  errorTotals.size === 0
    ? "No error lines."
    : `Error lines, grouped (names and numbers replaced), summed over all runs:\n\n| count | message: error |\n| ---: | --- |\n${[
        ...errorTotals,
      ]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 20)
        .map(([k, v]) => `| ${v} | ${k.replaceAll("|", "\\|")} |`)
        .join("\n")}`
}

## Every run

| N | # | result | date | code | control plane start (s) | operator start-up (ms) | create (ms) | all Ready (s) | writes/provider | idle writes | peak RSS (MiB) | operator CPU to Ready (s) | load start / end |
| ---: | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${perRun.join("\n")}

<!-- bench:data ${data} -->
${MARK_END}`;
}

// ---------------------------------------------------------------------------------------------
// The side-by-side report (--operators with more than ours)

const MODE_LABEL: Record<Mode, string> = {
  ours: "ours",
  reference: `reference (Go, ${REFERENCE_VERSION})`,
  floor: "floor (no operator)",
};
const MODE_COLOR: Record<Mode, string> = { ours: "#1f77b4", reference: "#d62728", floor: "#2ca02c" };
const modeOf = (r: RunResult): Mode => r.operator ?? "ours";
const runsOf = (results: RunResult[], mode: Mode, n: number, ok = true): RunResult[] =>
  results.filter((r) => modeOf(r) === mode && r.n === n && (!ok || r.ok));
const modesIn = (results: RunResult[]): Mode[] =>
  MODE_NAMES.filter((m) => results.some((r) => modeOf(r) === m));

/** Median of `pick` over the ok runs of one mode and size. */
function medianOf(
  results: RunResult[],
  mode: Mode,
  n: number,
  pick: (r: RunResult) => number | undefined,
): number {
  return stats(runsOf(results, mode, n).map((r) => pick(r) ?? NaN))?.median ?? NaN;
}

/** "median (min–max)" over the ok runs of one mode and size; a timed-out run shows how far it got. */
function cell(
  results: RunResult[],
  mode: Mode,
  n: number,
  pick: (r: RunResult) => number | undefined,
  digits: number,
): string {
  const ok = runsOf(results, mode, n);
  if (ok.length > 0)
    return spread(
      ok.map((r) => pick(r) ?? NaN),
      digits,
    );
  const failed = runsOf(results, mode, n, false).filter((r) => !r.ok);
  return failed.length > 0
    ? failed
        .map(
          (r) =>
            `failed${r.reached !== undefined ? `: ${r.reached}/${n} after ${fmt(r.failedAfterS, 0)} s` : ""}`,
        )
        .join("; ")
    : "—";
}

const ratio = (a: number, b: number): string =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "—";

function compareTable(
  results: RunResult[],
  title: string,
  note: string,
  pick: (r: RunResult) => number | undefined,
  digits: number,
  options: { modes?: Mode[]; ratios?: [Mode, Mode][] } = {},
): string {
  const modes = (options.modes ?? modesIn(results)).filter((m) => results.some((r) => modeOf(r) === m));
  const ratios = (
    options.ratios ?? [
      ["ours", "reference"],
      ["ours", "floor"],
      ["reference", "floor"],
    ]
  ).filter(([a, b]) => modes.includes(a) && modes.includes(b));
  const head = `| N | ${modes.map((m) => MODE_LABEL[m]).join(" | ")}${ratios.map(([a, b]) => ` | ${a}/${b}`).join("")} |\n| ---: |${modes.map(() => " ---: |").join("")}${ratios.map(() => " ---: |").join("")}`;
  const rows = sizesOf(results).map(
    (n) =>
      `| ${n} | ${modes.map((m) => cell(results, m, n, pick, digits)).join(" | ")}${ratios
        .map(([a, b]) => ` | ${ratio(medianOf(results, a, n, pick), medianOf(results, b, n, pick))}`)
        .join("")} |`,
  );
  return `### ${title}\n\n${note ? `${note}\n\n` : ""}${head}\n${rows.join("\n")}\n`;
}

/** Per size: rows are keys (a verb and resource, a process), columns the modes; median over runs. */
function compareKeyTable(
  results: RunResult[],
  label: string,
  pick: (r: RunResult) => Record<string, number> | undefined,
  options: { perProvider: boolean; digits: number; order?: readonly string[]; total?: boolean },
): string {
  const out: string[] = [];
  for (const n of sizesOf(results)) {
    const modes = modesIn(results).filter((m) => runsOf(results, m, n).some((r) => pick(r)));
    if (modes.length === 0) continue;
    const seen = new Set(
      modes.flatMap((m) => runsOf(results, m, n).flatMap((r) => Object.keys(pick(r) ?? {}))),
    );
    const keys = options.order ? options.order.filter((k) => seen.has(k)) : [...seen].sort();
    const value = (m: Mode, k: string): string =>
      spread(
        runsOf(results, m, n)
          .filter((r) => pick(r))
          // A missing key counts as 0, except in tables without a total (latencies): there it is "—".
          .map((r) => (pick(r)![k] ?? (options.total === false ? NaN : 0)) / (options.perProvider ? n : 1)),
        options.digits,
      );
    const total = (m: Mode): string =>
      spread(
        runsOf(results, m, n)
          .filter((r) => pick(r))
          .map((r) => Object.values(pick(r)!).reduce((a, b) => a + b, 0) / (options.perProvider ? n : 1)),
        options.digits,
      );
    out.push(
      `N=${n}:\n\n| ${label} | ${modes.map((m) => MODE_LABEL[m]).join(" | ")} |\n| --- |${modes.map(() => " ---: |").join("")}\n${keys
        .map((k) => `| ${k} | ${modes.map((m) => value(m, k)).join(" | ")} |`)
        .join("\n")}\n${options.total === false ? "" : `| **total** | ${modes.map(total).join(" | ")} |\n`}`,
    );
  }
  return out.length > 0 ? out.join("\n") : "None.\n";
}

interface Series {
  name: string;
  color: string;
  points: [number, number][];
  /** Draw as a step function (a count over time) instead of a polyline with dots. */
  step?: boolean;
}

/** A plain SVG line chart, no dependencies. */
function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const W = 680;
  const H = 420;
  const m = { left: 70, right: 30, top: 40, bottom: 60 };
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p[0]));
  const maxY = Math.max(1, ...all.map((p) => p[1]));
  const { x, y, xStep, xTop, yStep, yTop } = plotScales(W, H, m, maxX, maxY);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`,
  ];
  for (let i = 0; i * yStep <= yTop + 1e-9; i++) {
    const v = i * yStep;
    parts.push(
      `<line x1="${m.left}" x2="${W - m.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 8}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(3)}</text>`,
    );
  }
  for (let i = 0; i * xStep <= xTop + 1e-9; i++) {
    const v = i * xStep;
    parts.push(
      `<line x1="${x(v)}" x2="${x(v)}" y1="${H - m.bottom}" y2="${H - m.bottom + 5}" stroke="black"/>`,
      `<text x="${x(v)}" y="${H - m.bottom + 20}" text-anchor="middle">${+v.toFixed(3)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${W - m.right}" y1="${H - m.bottom}" y2="${H - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${H - m.bottom}" stroke="black"/>`,
    `<text x="${(m.left + W - m.right) / 2}" y="${H - 18}" text-anchor="middle">${xLabel}</text>`,
    `<text transform="translate(18 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.step
      ? s.points.flatMap(([px, py], j) =>
          j === 0
            ? [[px, py]]
            : [
                [px, s.points[j - 1]![1]],
                [px, py],
              ],
        )
      : s.points;
    if (pts.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${x(p[0]!)},${y(p[1]!)}`).join(" ")}"/>`,
      );
    if (!s.step)
      for (const p of s.points)
        parts.push(`<circle cx="${x(p[0])}" cy="${y(p[1])}" r="4" fill="${s.color}"/>`);
    parts.push(
      `<rect x="${m.left + 12}" y="${m.top + 6 + i * 18}" width="12" height="12" fill="${s.color}"/>`,
      `<text x="${m.left + 30}" y="${m.top + 16 + i * 18}">${s.name}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** Time to all Ready against N, one line per mode (medians; timed-out sizes left out). */
function comparisonSvg(results: RunResult[]): string {
  return lineChart(
    "First create to all N Ready (floor: all Deployments available)",
    "providers created at once (N)",
    "seconds",
    modesIn(results).map((mode) => ({
      name: MODE_LABEL[mode],
      color: MODE_COLOR[mode],
      points: sizesOf(results)
        .map((n): [number, number] => [n, medianOf(results, mode, n, (r) => r.allReadyS)])
        .filter((p) => Number.isFinite(p[1])),
    })),
  );
}

/** Ready count over time for one N, one step line per mode (the first run of each). */
function readyCurveSvg(results: RunResult[], n: number): string {
  return lineChart(
    `Providers Ready over time, N=${n} (floor: Deployments available)`,
    "seconds since the first create",
    "Ready",
    modesIn(results).flatMap((mode) => {
      const run = results.find((r) => modeOf(r) === mode && r.n === n && r.readyCurve);
      if (!run?.readyCurve) return [];
      return [
        {
          name: `${MODE_LABEL[mode]}${run.ok ? "" : ` (stopped at ${run.reached}/${n})`}`,
          color: MODE_COLOR[mode],
          step: true,
          points: [[0, 0] as [number, number], ...run.readyCurve.map((t, i): [number, number] => [t, i + 1])],
        },
      ];
    }),
  );
}

function renderComparison(results: RunResult[], svgName: (what: string) => string): string {
  const sizes = sizesOf(results);
  const failed = results.filter((r) => !r.ok);
  const perRun = results.map(
    (r) =>
      `| ${r.n} | ${r.repeat} | ${MODE_LABEL[modeOf(r)]} | ${r.ok ? "ok" : "FAILED"} | ${r.date} | ${r.revision} | ${fmt(r.allReadyS, 2)} | ${r.reached ?? "—"} | ${fmt(auditWritesIn(r.auditRamp ?? {}) / r.n, 1)} | ${r.auditIdle ? auditWritesIn(r.auditIdle) : "—"} | ${fmt(r.peakRssMiB, 0)} | ${fmt((r.cpuStartupS ?? NaN) + (r.cpuRampS ?? NaN), 2)} | ${fmt(r.specChangeS, 2)} | ${fmt(r.loadStart, 2)} / ${fmt(r.loadEnd, 2)} |`,
  );
  const stage = (label: string, q: "p50" | "p99") => (r: RunResult) => {
    const s = r.stages?.[label] as Partial<Quantiles> | undefined;
    return s?.[q] !== undefined ? s[q] * 1000 : undefined;
  };
  const data = JSON.stringify(results).replaceAll("--", "-\\u002d");
  const operatorModes: Mode[] = ["ours", "reference"];
  return `${MARK_START}
<!-- Everything between these markers is written by bench/operator.bench.ts; edit outside them. -->

| | |
| --- | --- |
| Command | ${distinct(results.map((r) => r.command))
    .split("; ")
    .map((c) => `\`${c}\``)
    .join("<br>")} |
| Operators | ${distinct(results.map((r) => (modeOf(r) === "ours" ? `ours: ${oursCommandLine(r)}` : modeOf(r) === "reference" ? `reference: openmcp-operator ${REFERENCE_VERSION} (Go, built by bench/reference) \`run --controllers=deploymentcontroller\`, no leader election` : undefined)))} |
| Node | ${distinct(results.map((r) => r.node))} |
| Control plane | ${distinct(results.map((r) => r.versions))}, 2 kwok nodes |
| Machine | ${distinct(results.map((r) => r.machine))} |
| Date | ${distinct(results.map((r) => r.date))} |
| Code measured (git) | ${distinct(results.map((r) => r.revision))} |
| Load average (1 min) at the start of a run, lowest / highest | ${fmt(Math.min(...results.map((r) => r.loadStart)), 2)} / ${fmt(Math.max(...results.map((r) => r.loadStart)), 2)} |
| Runs | ${sizes
    .map(
      (n) =>
        `N=${n}: ${modesIn(results)
          .map((m) => `${m} × ${runsOf(results, m, n, false).length}`)
          .join(", ")}`,
    )
    .join("; ")}; idle ${distinct(results.map((r) => r.idleSeconds))} s |
| Failed runs | ${failed.length === 0 ? "none" : failed.map((r) => `${modeOf(r)} N=${r.n} #${r.repeat}: ${(r.failure ?? "").split("\n")[0] ?? ""}`).join("; ")} |

Each run starts its own fresh full control plane (etcd, kube-apiserver with an audit log of every
request at Metadata level, kube-controller-manager, kube-scheduler, kwok with 2 fake nodes), one
after the other on the same machine. **ours** and **reference** get their own CRDs (ours: \`main.ts
init\`; the reference: its \`api/crds/manifests\` platform CRDs), the \`${NAMESPACE}\` namespace
(no Pod Security label) and the operator as a child process; then the bench applies the same N
providers (server-side apply, ${CREATE_CONCURRENCY} in flight; kinds round-robin, 4 env vars, verbosity,
runReplicas 1–2) and watches until every one is \`Ready=True\` for its generation with phase \`Ready\`.
The **floor** has no operator: the bench applies the objects \`@openmcp-ts/render\` produces for the
same providers (init ServiceAccount, ClusterRoleBinding, Role, RoleBinding, Job) as fast as the API
server takes them, and each provider's run objects (ServiceAccount, ClusterRoleBinding, Deployment,
metrics Service) the moment its Job succeeded; it ends when every Deployment is available. That is
what the control plane itself needs.

Every request count comes from the API server's audit log, the same way for all three (ours sends
no User-Agent, the reference client-go's \`openmcp-operator/…\`, the bench and the floor's applier their
own); CPU from \`/proc/<pid>/stat\`, memory from \`/proc/<pid>/status\`. Everything shares the same 2
CPUs: differences of a few tens of percent are noise.

## Time to Ready

![time to all Ready vs N](${svgName("time-to-ready")})

${compareTable(results, "First create → all N Ready (s)", "The floor: first apply → all Deployments available. A timed-out run shows how many were Ready when it stopped.", (r) => r.allReadyS, 2)}
${compareTable(results, "First create → all init Jobs complete (s)", "ours and the reference: all Initialized=True (seen by the bench's watch); the floor: the last Job's status.succeeded.", (r) => (modeOf(r) === "floor" ? r.allJobsCompleteS : r.allInitializedS), 2)}
${sizes.map((n) => `![Ready over time, N=${n}](${svgName(`ready-n${n}`)})`).join("\n")}

## API requests per provider to Ready (audit log)

${compareTable(results, "Writes per provider (not get/list/watch)", "The floor's writes are the rendered objects, one apply each.", (r) => (r.auditRamp ? auditWritesIn(r.auditRamp) / r.n : undefined), 2)}
${compareTable(results, "All requests per provider, reads included", "Watches counted when opened.", (r) => (r.auditRamp ? Object.values(r.auditRamp).reduce((a, b) => a + b, 0) / r.n : undefined), 2)}
### By verb and resource, per provider

${compareKeyTable(results, "verb resource", (r) => r.auditRamp, { perProvider: true, digits: 2 })}
${compareTable(results, "Requests while starting (spawn → workers started, no provider yet)", "Lists and watches of the operator's informers; the reference's controller-runtime cache opens some of its informers lazily, on the first reconcile, so they land in the ramp above.", (r) => (r.auditStartup ? Object.values(r.auditStartup).reduce((a, b) => a + b, 0) : undefined), 0, { modes: operatorModes })}
## Idle after all Ready (${distinct(results.map((r) => r.idleSeconds))} s)

${compareTable(results, "Writes during idle (goal 0)", "Every write of the operator from the moment the bench saw all N Ready.", (r) => (r.auditIdle ? auditWritesIn(r.auditIdle) : undefined), 0, { modes: operatorModes })}
${compareTable(results, "Writes after the first 5 s of idle", "Leaves out the tail of the ramp (status patches and Events in flight when the last provider turned Ready).", (r) => r.auditIdleWritesAfter5s, 0, { modes: operatorModes })}
${compareTable(results, "All requests during idle", "", (r) => (r.auditIdle ? Object.values(r.auditIdle).reduce((a, b) => a + b, 0) : undefined), 0, { modes: operatorModes })}
## Reaction latency (audit log)

Per provider, from the audit timestamps: the bench's create of the provider (201) → the operator's
create of its init Job (201); the controller-manager's last Job status update before the Deployment
→ the operator's create of the Deployment. p50 and p99 over the providers of a run (ms). For the
floor the first is the bench's own applies of the init objects, the second its reaction to the Job.

${compareTable(results, "Provider created → init Job created, p50 (ms)", "", stage(STAGES[0][2], "p50"), 0)}
${compareTable(results, "Provider created → init Job created, p99 (ms)", "", stage(STAGES[0][2], "p99"), 0)}
${compareTable(results, "Job complete → Deployment created, p50 (ms)", "", stage(STAGES[2][2], "p50"), 0)}
${compareTable(results, "Job complete → Deployment created, p99 (ms)", "", stage(STAGES[2][2], "p99"), 0)}
${compareTable(results, "Deployment available → Ready written, p99 (ms)", "", stage(STAGES[4][2], "p99"), 0, { modes: operatorModes })}
### The API server's time for each write (audit log)

Request received → response complete, median over the ramp's writes of each kind (ms): the
server's share of every round trip (admission, server-side apply's field management, etcd).

${compareKeyTable(results, "verb resource: median ms", (r) => r.writeLatencyMs, { perProvider: false, digits: 0, total: false })}
## The operator process

${compareTable(results, "Start-up: spawn → workers started (ms)", "ours: its 'caches synced' log line; the reference: the last of its three controllers' 'Starting workers' lines.", (r) => r.startupMs, 0, { modes: operatorModes })}
${compareTable(results, "Peak RSS to the end of idle, VmHWM (MiB)", "", (r) => r.peakRssMiB, 0, { modes: operatorModes })}
${compareTable(results, "Peak RSS including the spec change (MiB)", "", (r) => r.peakRssEndMiB, 0, { modes: operatorModes })}
${compareTable(results, "CPU seconds, spawn → all Ready", "utime+stime of the operator process.", (r) => (r.cpuStartupS ?? NaN) + (r.cpuRampS ?? NaN), 2, { modes: operatorModes })}
${compareTable(results, "CPU seconds, idle", "", (r) => r.cpuIdleS, 2, { modes: operatorModes })}
## Spec change of all N (new image: a new init Job, then a rollout)

After idle, the bench applies a new image to all N providers and waits until each is Ready for the
new generation and its Deployment rolled out the new image (every replica updated and available, no
old one left).

${compareTable(results, "First change → all N converged (s)", "", (r) => r.specChangeS, 2, { modes: operatorModes, ratios: [["ours", "reference"]] })}
${(() => {
  const short = results.filter((r) => r.ok && r.specChangeReached !== undefined && r.specChangeReached < r.n);
  return short.length === 0
    ? ""
    : `Did not converge within --spec-change-timeout-seconds: ${short.map((r) => `${modeOf(r)} N=${r.n} #${r.repeat}: ${r.specChangeReached} of ${r.n}`).join("; ")}.\n`;
})()}
${compareTable(results, "Writes per provider to converge", "", (r) => (r.auditSpecChange ? auditWritesIn(r.auditSpecChange) / r.n : undefined), 2, { modes: operatorModes, ratios: [["ours", "reference"]] })}
${compareTable(results, "Operator CPU seconds to converge", "", (r) => r.cpuSpecChangeS, 2, { modes: operatorModes, ratios: [["ours", "reference"]] })}
## Where the CPU went, first create → all Ready

CPU seconds of each process during the ramp (operator, control plane components, the bench).

${compareKeyTable(results, "process", (r) => r.cpuRampByProcess, { perProvider: false, digits: 2 })}
## Every run

| N | # | operator | result | date | code | all Ready (s) | Ready at end | writes/provider | idle writes | peak RSS (MiB) | operator CPU to Ready (s) | spec change (s) | load start / end |
| ---: | ---: | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${perRun.join("\n")}

<!-- bench:data ${data} -->
${MARK_END}`;
}

function readRecorded(): RunResult[] {
  if (!existsSync(OUT)) return [];
  const m = /<!-- bench:data (.*) -->/.exec(readFileSync(OUT, "utf8"));
  return m ? (JSON.parse(m[1]!) as RunResult[]) : [];
}

function writeReport(results: RunResult[]): void {
  // Named after the report, so that another --out keeps its own plot.
  const svgPath = join(dirname(OUT), `${basename(OUT, ".md")}-time-to-ready.svg`);
  const comparing = COMPARING || results.some((r) => modeOf(r) !== "ours");
  const svgOf = (what: string): string => join(dirname(OUT), `${basename(OUT, ".md")}-${what}.svg`);
  const generated = comparing
    ? renderComparison(results, (what) => relative(dirname(OUT), svgOf(what)))
    : renderReport(results, relative(dirname(OUT), svgPath));
  mkdirSync(dirname(OUT), { recursive: true });
  const existing = existsSync(OUT) ? readFileSync(OUT, "utf8") : "";
  const a = existing.indexOf(MARK_START);
  const b = existing.indexOf(MARK_END);
  const doc =
    a >= 0 && b > a
      ? `${existing.slice(0, a)}${generated}${existing.slice(b + MARK_END.length)}`
      : comparing
        ? `# Operators side by side, and the floor\n\nOur operator, the reference Go operator and no operator at all (the floor) on the same providers, each on its own fresh local control plane: time to Ready, API requests, reaction latency, memory and CPU, idle, and a spec change of all N.\n\n${generated}\n\n## Findings\n\n(Written by hand after a run; kept when the bench rewrites the generated part.)\n`
        : `# Operator benchmark\n\nThe operator end to end on a local control plane: how fast N new providers become Ready, what it costs in API requests, CPU and memory, and whether it stays quiet afterwards.\n\n${generated}\n\n## Findings\n\n(Written by hand after a run; kept when the bench rewrites the generated part.)\n`;
  writeFileSync(OUT, doc);
  if (comparing) {
    writeFileSync(svgPath, comparisonSvg(results));
    for (const n of sizesOf(results)) writeFileSync(svgOf(`ready-n${n}`), readyCurveSvg(results, n));
  } else writeFileSync(svgPath, renderSvg(results));
  console.log(`wrote ${relative(ROOT, OUT)} and ${relative(ROOT, svgPath)}`);
}

// ---------------------------------------------------------------------------------------------

if (flags["report-only"]) {
  // Re-render the report and the plot from the runs recorded in --out, e.g. after changing them.
  writeReport(readRecorded());
  process.exit(0);
}

// The operator's command line: its TypeScript sources through tsx, or the bundle the image ships.
const logDir = mkdtempSync(join(tmpdir(), "openmcp-operator-bench-"));
let operatorEntry: readonly string[] = OPERATOR_SOURCE_ENTRY;
if (flags.bundle) {
  const bundle = join(logDir, "openmcp-operator.mjs");
  await runToExit(
    ["--import", "tsx", join(ROOT, "scripts/bundle-operator.ts"), "--outfile", bundle],
    process.env,
  );
  operatorEntry = [bundle];
}

// Ctrl-C mid-run: stop the operator and the control plane of the current run before leaving.
let interrupted: (() => Promise<void>) | undefined;
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log(`${signal}: stopping the current run`);
    stopping = true;
    void (interrupted?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

const sameRun = (a: RunResult, b: RunResult): boolean =>
  a.n === b.n && a.repeat === b.repeat && (a.operator ?? "ours") === (b.operator ?? "ours");
// --merge keeps the recorded runs of other sizes and operators; of these, a series replaces them
// all, one with --first-repeat only the repeats it runs.
const rerun = (r: RunResult): boolean =>
  SIZES.includes(r.n) &&
  MODES.includes(r.operator ?? "ours") &&
  (flags["first-repeat"] === undefined || (r.repeat >= FIRST_REPEAT && r.repeat < FIRST_REPEAT + REPEATS));
const kept = flags.merge ? readRecorded().filter((r) => !rerun(r)) : [];
console.log(`operator logs and audit logs go to ${logDir}`);
const results: RunResult[] = [];
sizes: for (const n of SIZES) {
  for (let r = FIRST_REPEAT; r < FIRST_REPEAT + REPEATS; r++) {
    for (const mode of MODES) {
      const result = await runOnce(n, r, logDir, mode);
      if (stopping) break sizes;
      results.push(result);
      if (result.ok)
        console.log(
          `[${mode} N=${n} #${r}] ready ${fmt(result.allReadyS, 2)} s, ${fmt(auditWritesIn(result.auditRamp ?? {}) / n, 1)} writes/provider (audit), idle writes ${auditWritesIn(result.auditIdle ?? {})}, peak RSS ${fmt(result.peakRssMiB, 0)} MiB, operator CPU ${fmt(result.cpuStartupS + result.cpuRampS, 2)} s, spec change ${fmt(result.specChangeS, 2)} s`,
        );
      // Written after every run, so a long session leaves results even when it is cut short.
      writeReport(
        [...kept.filter((k) => !results.some((x) => sameRun(x, k))), ...results].sort(
          (x, y) =>
            x.n - y.n ||
            x.repeat - y.repeat ||
            MODE_NAMES.indexOf(x.operator ?? "ours") - MODE_NAMES.indexOf(y.operator ?? "ours"),
        ),
      );
    }
  }
}
