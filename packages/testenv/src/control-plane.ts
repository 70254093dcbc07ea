import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries, type Progress } from "./binaries.ts";
import { DEFAULT_POD_LOG, criLogText, kwokPodLogsYaml, kwokStagesYaml } from "./kwok-stages.ts";
import { generatePki, type Pki } from "./pki.ts";
import type { BinaryName } from "./versions.ts";

export interface ControlPlaneOptions {
  /** Also run kube-controller-manager, kube-scheduler and kwok with fake nodes. */
  full?: boolean;
  /** Number of kwok nodes in full mode. */
  nodes?: number;
  /** Keep state here instead of a fresh temporary directory (which is removed on stop). */
  dir?: string;
  /** Extra kube-apiserver flags, e.g. an audit policy for benchmarks. */
  apiserverArgs?: string[];
  startTimeoutMs?: number;
  progress?: Progress;
}

export interface ControlPlane {
  dir: string;
  /** https://127.0.0.1:<port> */
  server: string;
  kubeconfigPath: string;
  kubeconfigYaml: string;
  binaries: Partial<Record<BinaryName, string>>;
  pki: Pki;
  full: boolean;
  /** Component name → log file, kept in the instance directory. */
  logs: Record<string, string>;
  /**
   * Full mode: the file (CRI log format) kwok serves as every fake container's log through the API
   * (`kubectl logs`, GET /api/v1/namespaces/<ns>/pods/<name>/log).
   */
  podLogFile: string;
  /** Replaces the lines every fake container logs from now on (kwok reads the file on each request). */
  setPodLog(lines: readonly string[]): Promise<void>;
  /** Stops one component (for fault tests) and starts it again with the same flags. */
  restart(
    component: "kube-apiserver" | "etcd" | "kube-controller-manager" | "kube-scheduler" | "kwok",
  ): Promise<void>;
  /** Sends a signal to one component's process, e.g. SIGSTOP/SIGCONT to pause etcd. */
  signal(component: string, signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/** A loopback port that was free a moment ago, for servers the tests start. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === "object") resolve(addr.port);
        else reject(new Error("cannot find a free loopback port"));
      });
    });
  });
}

interface Component {
  name: string;
  bin: string;
  args: string[];
  child?: ChildProcess;
  exited?: Promise<void>;
}

/** HTTPS GET with the admin certificate; resolves with status code and body, never rejects. */
export async function adminGet(
  server: string,
  pki: Pki,
  path: string,
): Promise<{ status: number; body: string }> {
  const [ca, cert, key] = await Promise.all([
    readFile(pki.caCert),
    readFile(pki.adminCert),
    readFile(pki.adminKey),
  ]);
  return new Promise((resolve) => {
    const req = request(`${server}${path}`, { ca, cert, key, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", (err) => resolve({ status: 0, body: err.message }));
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

async function adminRequest(
  server: string,
  pki: Pki,
  method: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: string }> {
  const [ca, cert, key] = await Promise.all([
    readFile(pki.caCert),
    readFile(pki.adminCert),
    readFile(pki.adminKey),
  ]);
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      `${server}${path}`,
      {
        method,
        ca,
        cert,
        key,
        timeout: 10000,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", (err) => resolve({ status: 0, body: err.message }));
    req.end(payload);
  });
}

async function tail(path: string, lines = 25): Promise<string> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").slice(-lines).join("\n");
}

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  explain: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}\n${await explain()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A kubeconfig that authenticates with a bearer token, e.g. a ServiceAccount's from a TokenRequest. */
export function tokenKubeconfig(
  cp: Pick<ControlPlane, "server" | "pki">,
  user: string,
  token: string,
): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: testenv",
    `  cluster: {server: "${cp.server}", certificate-authority: "${cp.pki.caCert}"}`,
    "users:",
    `- name: ${JSON.stringify(user)}`,
    `  user: {token: "${token}"}`,
    "contexts:",
    "- name: testenv",
    `  context: {cluster: testenv, user: ${JSON.stringify(user)}}`,
    "current-context: testenv",
    "",
  ].join("\n");
}

function kubeconfig(server: string, ca: string, cert: string, key: string): string {
  const b64 = (s: string): string => Buffer.from(s).toString("base64");
  return `apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(ca)}
users:
- name: testenv-admin
  user:
    client-certificate-data: ${b64(cert)}
    client-key-data: ${b64(key)}
contexts:
- name: testenv
  context: {cluster: testenv, user: testenv-admin}
current-context: testenv
`;
}

/**
 * Starts a real control plane on loopback: etcd and kube-apiserver, and in full mode
 * kube-controller-manager, kube-scheduler and kwok with fake nodes. Each component logs to
 * `<dir>/logs/<name>.log`; a watchdog process kills everything if this process dies without stop().
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const full = options.full ?? false;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`testenv: ${line}\n`));
  const timeout = options.startTimeoutMs ?? 90_000;
  const names: BinaryName[] = full
    ? ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kubectl"]
    : ["etcd", "kube-apiserver"];
  const binaries = await ensureBinaries(names, { progress });

  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "openmcp-testenv-")));
  await mkdir(join(dir, "logs"), { recursive: true });
  await mkdir(join(dir, "pki"), { recursive: true });
  const pidsFile = join(dir, "pids");
  await writeFile(pidsFile, "");

  const watchdog = spawn(
    "sh",
    [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
        'for p in $(cat "$2" 2>/dev/null); do kill -KILL -- "-$p" 2>/dev/null; done; ' +
        'if [ "$3" = 1 ]; then rm -rf "$4"; fi',
      "watchdog",
      String(process.pid),
      pidsFile,
      ownsDir ? "1" : "0",
      dir,
    ],
    { detached: true, stdio: "ignore" },
  );
  watchdog.unref();

  const components = new Map<string, Component>();
  const logs: Record<string, string> = {};

  const launch = async (c: Component): Promise<void> => {
    const logPath = join(dir, "logs", `${c.name}.log`);
    logs[c.name] = logPath;
    const out = createWriteStream(logPath, { flags: "a" });
    await new Promise((r) => out.once("open", r));
    const child = spawn(c.bin, c.args, { detached: true, stdio: ["ignore", out, out] });
    c.child = child;
    c.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.once("error", (err) => void appendFile(logPath, `spawn error: ${err.message}\n`));
    if (child.pid) await appendFile(pidsFile, `${child.pid}\n`);
    components.set(c.name, c);
  };

  const terminate = async (c: Component): Promise<void> => {
    const child = c.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const killTimer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 5000);
    await c.exited;
    clearTimeout(killTimer);
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const name of ["kwok", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"]) {
      const c = components.get(name);
      if (c) await terminate(c);
    }
    try {
      if (watchdog.pid) process.kill(-watchdog.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
    if (ownsDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    const pki = await generatePki(join(dir, "pki"));
    const podLogFile = join(dir, "pod.log");
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const server = `https://127.0.0.1:${apiPort}`;

    await launch({
      name: "etcd",
      bin: binaries.etcd,
      args: [
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
        "--unsafe-no-fsync",
        "--log-level=warn",
      ],
    });

    await launch({
      name: "kube-apiserver",
      bin: binaries["kube-apiserver"],
      args: [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        `--secure-port=${apiPort}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--cert-dir=${join(dir, "pki")}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--service-account-issuer=https://kubernetes.default.svc`,
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        "--service-cluster-ip-range=10.0.0.0/24",
        "--authorization-mode=RBAC",
        "--allow-privileged=true",
        "--enable-admission-plugins=PodSecurity",
        "--storage-backend=etcd3",
        // The default reconciler refuses a loopback advertise address; nothing here needs the kubernetes Endpoints.
        "--endpoint-reconciler-type=none",
        // kwok's nodes serve the kubelet API (pod logs) on loopback; their Hostname does not resolve.
        "--kubelet-preferred-address-types=InternalIP",
        "--v=0",
        ...(options.apiserverArgs ?? []),
      ],
    });

    const adminKubeconfig = kubeconfig(
      server,
      await readFile(pki.caCert, "utf8"),
      await readFile(pki.adminCert, "utf8"),
      await readFile(pki.adminKey, "utf8"),
    );
    const kubeconfigPath = join(dir, "kubeconfig");
    await writeFile(kubeconfigPath, adminKubeconfig, { mode: 0o600 });

    const failedComponent = (): string | undefined =>
      [...components.values()].find(
        (c) => c.child && (c.child.exitCode !== null || c.child.signalCode !== null),
      )?.name;
    const explain = async (): Promise<string> => {
      const parts: string[] = [];
      for (const [name, path] of Object.entries(logs))
        parts.push(`--- last lines of ${name} (${path}) ---\n${await tail(path)}`);
      return parts.join("\n");
    };
    const ready = async (): Promise<boolean> => {
      const dead = failedComponent();
      if (dead) throw new Error(`${dead} exited during start-up\n${await explain()}`);
      return (await adminGet(server, pki, "/readyz")).status === 200;
    };
    await waitFor("kube-apiserver /readyz", timeout, ready, explain);

    if (full) {
      await launch({
        name: "kube-controller-manager",
        bin: binaries["kube-controller-manager"],
        args: [
          `--kubeconfig=${kubeconfigPath}`,
          "--leader-elect=false",
          "--secure-port=0",
          `--root-ca-file=${pki.caCert}`,
          `--service-account-private-key-file=${pki.serviceAccountKey}`,
          "--controllers=*",
          "--concurrent-job-syncs=10",
          "--concurrent-deployment-syncs=10",
          "--concurrent-replicaset-syncs=10",
          "--concurrent-gc-syncs=20",
          // Fault tests pause etcd or the apiserver for tens of seconds, which stops kwok's node
          // heartbeats; fake nodes must not be declared NotReady (and their pods evicted) for it.
          "--node-monitor-grace-period=2m",
          // The default 20 qps throttles the Job and Deployment pipeline with hundreds of providers.
          "--kube-api-qps=100",
          "--kube-api-burst=200",
          "--v=0",
        ],
      });
      await launch({
        name: "kube-scheduler",
        bin: binaries["kube-scheduler"],
        args: [`--kubeconfig=${kubeconfigPath}`, "--leader-elect=false", "--secure-port=0", "--v=0"],
      });
      const stagesPath = join(dir, "kwok-stages.yaml");
      await writeFile(stagesPath, `${kwokStagesYaml()}---\n${kwokPodLogsYaml(podLogFile)}`);
      await writeFile(podLogFile, criLogText(DEFAULT_POD_LOG));
      // One port for kwok's server, which is also each fake node's kubelet endpoint (the apiserver
      // proxies pod logs to it over TLS without verifying the certificate, as with real kubelets
      // when --kubelet-certificate-authority is unset).
      const kubeletPort = await freePort();
      await launch({
        name: "kwok",
        bin: binaries.kwok,
        args: [
          `--kubeconfig=${kubeconfigPath}`,
          `--config=${stagesPath}`,
          "--manage-all-nodes=false",
          "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
          "--manage-nodes-with-label-selector=",
          "--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom",
          "--disregard-status-with-label-selector=",
          "--cidr=10.0.0.1/24",
          "--node-ip=127.0.0.1",
          "--node-lease-duration-seconds=40",
          `--node-port=${kubeletPort}`,
          `--server-address=127.0.0.1:${kubeletPort}`,
        ],
      });
      const nodeCount = options.nodes ?? 2;
      for (let i = 0; i < nodeCount; i++) {
        const res = await adminRequest(server, pki, "POST", "/api/v1/nodes", {
          apiVersion: "v1",
          kind: "Node",
          metadata: {
            name: `kwok-node-${i}`,
            annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
            labels: {
              type: "kwok",
              "kubernetes.io/hostname": `kwok-node-${i}`,
              "kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64",
              "topology.kubernetes.io/zone": `zone-${i % 3}`,
            },
          },
        });
        if (res.status !== 201)
          throw new Error(`cannot create kwok node kwok-node-${i}: HTTP ${res.status} ${res.body}`);
      }
      await waitFor(
        "kwok nodes to become Ready and the default ServiceAccount to exist",
        timeout,
        async () => {
          const dead = failedComponent();
          if (dead) throw new Error(`${dead} exited during start-up\n${await explain()}`);
          const nodes = await adminGet(server, pki, "/api/v1/nodes");
          const items =
            (
              JSON.parse(nodes.body || "{}") as {
                items?: { status?: { conditions?: { type: string; status: string }[] } }[];
              }
            ).items ?? [];
          const readyNodes = items.filter((n) =>
            n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
          );
          const sa = await adminGet(server, pki, "/api/v1/namespaces/default/serviceaccounts/default");
          return readyNodes.length === nodeCount && sa.status === 200;
        },
        explain,
      );
    }

    const restart = async (name: string): Promise<void> => {
      const c = components.get(name);
      if (!c) throw new Error(`cannot restart ${name}: it is not running in this control plane`);
      await terminate(c);
      await launch({ name: c.name, bin: c.bin, args: c.args });
      if (name === "kube-apiserver")
        await waitFor("kube-apiserver /readyz after restart", timeout, ready, explain);
    };

    progress(
      `control plane ready (${full ? "full" : "apiserver"} mode): ${server}, kubeconfig ${kubeconfigPath}`,
    );
    return {
      dir,
      server,
      kubeconfigPath,
      kubeconfigYaml: adminKubeconfig,
      binaries,
      pki,
      full,
      logs,
      podLogFile,
      setPodLog: (lines) => writeFile(podLogFile, criLogText(lines)),
      restart,
      signal: (name, sig) => {
        const pid = components.get(name)?.child?.pid;
        if (!pid) throw new Error(`cannot signal ${name}: it is not running in this control plane`);
        process.kill(-pid, sig);
      },
      stop,
    };
  } catch (err) {
    // Keep the logs of a failed start for inspection when the caller gave the directory.
    await stop();
    throw err;
  }
}
