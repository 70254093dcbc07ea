import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { providerObjectNames, type Provider } from "@openmcp-ts/contract";
import {
  eventually,
  expectConverged,
  providerRef,
  spawnOperatorProcess,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
  type OperatorProcess,
} from "@openmcp-ts/test-support";
import { cacheDir, freePort, runGo, withBuildLock } from "@openmcp-ts/testenv";
import {
  REFERENCE_LEASE_NAME,
  referenceCacheDir,
  referenceOperatorBinary,
  unpackedSources,
} from "../bench/reference/build-reference-operator.ts";

/** A Lease name the reference can hold: v1.3.0's own ID contains '/', which no object name may. */
const VALID_LEASE = "openmcp-operator-reference";

/**
 * The reference v1.3.0 with one change: its leader election ID is VALID_LEASE (a Go overlay of
 * cmd/openmcp-operator/app/run.go, built next to the reference in the cache; seconds once the
 * reference itself was built). Everything else, controller-runtime's leader election included, is
 * the reference as released.
 */
async function referenceWithValidLease(): Promise<string> {
  await referenceOperatorBinary();
  const dir = join(referenceCacheDir(), `lease-${VALID_LEASE}`);
  const target = join(dir, "openmcp-operator");
  const ready = async (): Promise<boolean> =>
    readFile(join(dir, "done"), "utf8").then(
      (t) => t === VALID_LEASE,
      () => false,
    );
  if (await ready()) return target;
  const progress = (l: string): void => void process.stderr.write(`reference: ${l}\n`);
  return withBuildLock(cacheDir(), progress, async () => {
    if (await ready()) return target;
    const src = await unpackedSources();
    const runGoFile = join(src, "cmd", "openmcp-operator", "app", "run.go");
    const original = await readFile(runGoFile, "utf8");
    const patched = original.replace(`"${REFERENCE_LEASE_NAME}"`, `"${VALID_LEASE}"`);
    assert.notEqual(
      patched,
      original,
      `cannot patch the lease name: "${REFERENCE_LEASE_NAME}" not in run.go`,
    );
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "run.go"), patched);
    await writeFile(
      join(dir, "overlay.json"),
      JSON.stringify({ Replace: { [runGoFile]: join(dir, "run.go") } }),
    );
    progress(`[openmcp-operator] building the reference with lease ${VALID_LEASE}`);
    await runGo(
      [
        "build",
        "-trimpath",
        "-ldflags",
        "-s -w",
        `-overlay=${join(dir, "overlay.json")}`,
        "-o",
        target,
        "./cmd/openmcp-operator",
      ],
      src,
      () => undefined,
    );
    await writeFile(join(dir, "done"), VALID_LEASE);
    return target;
  });
}

interface Reference {
  child: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
}

function spawnReference(binary: string, kubeconfig: string, namespace: string, config: string): Reference {
  const child = spawn(
    binary,
    [
      "run",
      "--controllers=deploymentcontroller",
      "--environment=test-environment",
      `--kubeconfig=${kubeconfig}`,
      `--config=${config}`,
      "--metrics-bind-address=0",
      "--health-probe-bind-address=0",
      "--leader-elect",
    ],
    {
      env: { ...process.env, POD_NAMESPACE: namespace, POD_NAME: "reference" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const logs: string[] = [];
  const onData = (c: Buffer): void => void logs.push(...c.toString().split("\n").filter(Boolean));
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    child,
    logs,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Lease {
  metadata: { uid: string };
  spec: { holderIdentity?: string; renewTime?: string };
}

/**
 * "Never fight": ours and the real reference operator on one full control plane. Ours, started with
 * --wait-for-lease, writes nothing to providers while the reference holds its Lease, says so in its
 * log (once), an Event on the Lease and /readyz, and goes ahead when the reference stops (it
 * releases the Lease on SIGTERM). Both orders of starting.
 */
describe("--wait-for-lease against the reference operator", () => {
  let h: OperatorHarness;
  let config: string;
  const processes: { child: ChildProcess }[] = [];

  async function startOurs(
    id: string,
    lease: string,
  ): Promise<{ p: OperatorProcess; probe: string; metrics: string }> {
    const probePort = await freePort();
    const metricsPort = await freePort();
    const p = spawnOperatorProcess({
      kubeconfig: h.cp.kubeconfigPath,
      id,
      args: [
        `--wait-for-lease=${lease}`,
        `--health-probe-bind-address=127.0.0.1:${probePort}`,
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      ],
    });
    processes.push(p);
    await eventually(`operator ${id} running`, () => p.started() || p.child.exitCode !== null, 60_000);
    assert.equal(p.child.exitCode, null, `operator ${id} exited:\n${p.logs.join("\n")}`);
    return {
      p,
      probe: `http://127.0.0.1:${probePort}/readyz`,
      metrics: `http://127.0.0.1:${metricsPort}/metrics`,
    };
  }

  async function readyz(url: string): Promise<{ status: number; body: string }> {
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  }

  /** Our controllers' writes so far: server-side applies, merge patches and deletes (Events are creates). */
  async function writes(url: string): Promise<number> {
    const text = await (await fetch(url)).text();
    let sum = 0;
    for (const m of text.matchAll(/^openmcp_api_requests_total\{([^}]*)\} (\d+)/gm)) {
      if (/verb="(patch|delete|update)"/.test(m[1]!)) sum += Number(m[2]);
    }
    return sum;
  }

  async function leaseHeld(name: string): Promise<Lease | undefined> {
    const lease = await h.client.find<Lease>({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: h.namespace,
      name,
    });
    return lease?.spec.holderIdentity ? lease : undefined;
  }

  async function leaseEvents(reason: string): Promise<number> {
    const list = await h.client.list<{ reason: string; involvedObject: { kind: string; name: string } }>({
      apiVersion: "v1",
      kind: "Event",
      namespace: h.namespace,
    });
    return list.items.filter(
      (e) =>
        e.reason === reason && e.involvedObject.kind === "Lease" && e.involvedObject.name === VALID_LEASE,
    ).length;
  }

  const logCount = (p: OperatorProcess, msg: string): number =>
    p.logs.filter((l) => l.includes(`"msg":"${msg}"`)).length;

  before(async () => {
    h = await startOperatorHarness({ full: true });
    await h.operator.stop();
    config = join(h.cp.dir, "reference-config.yaml");
    await writeFile(config, "{}\n");
  });
  after(async () => {
    for (const p of processes) p.child.kill("SIGKILL");
    await h?.cp.stop();
  });

  it("v1.3.0 with --leader-elect never holds its lease (the name has a '/'), so there is nothing to wait for", async () => {
    const reference = spawnReference(
      await referenceOperatorBinary(),
      h.cp.kubeconfigPath,
      h.namespace,
      config,
    );
    processes.push(reference);
    await eventually(
      "the reference to fail on its lease name",
      () =>
        reference.logs.some((l) => l.includes("may not contain '/'")) || reference.child.exitCode !== null,
      60_000,
    );
    assert.equal(reference.child.exitCode, null, reference.logs.join("\n"));
    const ours = await startOurs("ours-v130", REFERENCE_LEASE_NAME);
    assert.equal(
      logCount(ours.p, "not waiting for a foreign lease: no Kubernetes object can have that name"),
      1,
    );
    await h.client.apply(testProvider("ServiceProvider", "lease-v130"), "test");
    await expectConverged(h.client, h.namespace, [{ kind: "ServiceProvider", name: "lease-v130" }]);
    assert.equal((await readyz(ours.probe)).status, 200);
    // The reference never led, so it never reconciled: no field of the provider is its.
    const p = await h.client.get<
      Provider & { metadata: { managedFields?: { manager: string; operation: string }[] } }
    >(providerRef("ServiceProvider", "lease-v130"));
    assert.ok(
      !p.metadata.managedFields?.some((f) => f.operation === "Update" && f.manager === "openmcp-operator"),
    );
    await reference.stop();
    await h.client.delete(providerRef("ServiceProvider", "lease-v130"));
    await eventually(
      "provider gone",
      async () => (await h.client.find(providerRef("ServiceProvider", "lease-v130"))) === undefined,
      60_000,
    );
    await ours.p.stop();
  });

  it("reference first: ours waits without writing, then takes over when the reference stops", async () => {
    const binary = await referenceWithValidLease();
    const reference = spawnReference(binary, h.cp.kubeconfigPath, h.namespace, config);
    processes.push(reference);
    await eventually("the reference to hold its lease", () => leaseHeld(VALID_LEASE), 60_000);
    await h.client.apply(testProvider("ServiceProvider", "ref-first"), "test");
    // The reference deploys it: its init Job appears.
    await eventually(
      "the reference's init Job",
      () =>
        h.client.find({
          apiVersion: "batch/v1",
          kind: "Job",
          namespace: h.namespace,
          name: providerObjectNames("ServiceProvider", "ref-first").init,
        }),
      60_000,
    );

    const ours = await startOurs("ours-waits", VALID_LEASE);
    await eventually(
      "ours to say it waits",
      () => logCount(ours.p, "waiting for another operator to stop") === 1,
      20_000,
    );
    const probe = await readyz(ours.probe);
    assert.equal(probe.status, 503);
    assert.match(probe.body, /held by .*not writing to providers/);
    await eventually(
      "a WaitingForLease Event on the Lease",
      async () => (await leaseEvents("WaitingForLease")) === 1,
      20_000,
    );

    // A spec change while waiting: the reference acts on it, ours writes nothing.
    const before = await writes(ours.metrics);
    await h.client.apply(
      testProvider("ServiceProvider", "ref-first", { env: [{ name: "NAME", value: "changed" }] }),
      "test",
    );
    await sleep(6000);
    assert.equal(await writes(ours.metrics), before, "ours wrote while the reference held its lease");
    assert.equal(
      logCount(ours.p, "waiting for another operator to stop"),
      1,
      "the wait is logged once, not per poll",
    );
    assert.equal((await readyz(ours.probe)).status, 503);

    await reference.stop(); // releases the lease (LeaderElectionReleaseOnCancel)
    await eventually(
      "ours to go ahead",
      () => logCount(ours.p, "foreign lease released or expired: writing to providers") === 1,
      20_000,
    );
    await expectConverged(h.client, h.namespace, [{ kind: "ServiceProvider", name: "ref-first" }], 120_000);
    assert.equal((await readyz(ours.probe)).status, 200);
    assert.ok((await writes(ours.metrics)) > before);
    await eventually("a LeaseReleased Event", async () => (await leaseEvents("LeaseReleased")) === 1, 20_000);
    await ours.p.stop();
  });

  it("ours first: when the reference starts and takes its lease, ours stops writing within a poll period; it resumes after", async () => {
    const binary = await referenceWithValidLease();
    const ours = await startOurs("ours-first", VALID_LEASE);
    await h.client.apply(testProvider("ServiceProvider", "ours-first"), "test");
    await expectConverged(h.client, h.namespace, [{ kind: "ServiceProvider", name: "ours-first" }], 120_000);

    const reference = spawnReference(binary, h.cp.kubeconfigPath, h.namespace, config);
    processes.push(reference);
    await eventually("the reference to hold its lease", () => leaseHeld(VALID_LEASE), 60_000);
    const heldAt = Date.now();
    await eventually("ours to notice", async () => (await readyz(ours.probe)).status === 503, 10_000);
    const noticedMs = Date.now() - heldAt;
    assert.ok(noticedMs < 4000, `ours noticed the reference's lease after ${noticedMs} ms`);
    const before = await writes(ours.metrics);
    await h.client.apply(
      testProvider("ServiceProvider", "ours-first", { env: [{ name: "NAME", value: "changed" }] }),
      "test",
    );
    await sleep(6000);
    assert.equal(await writes(ours.metrics), before, "ours wrote while the reference held its lease");

    await reference.stop();
    await eventually(
      "ours to go ahead",
      () => logCount(ours.p, "foreign lease released or expired: writing to providers") === 1,
      20_000,
    );
    await expectConverged(h.client, h.namespace, [{ kind: "ServiceProvider", name: "ours-first" }], 120_000);
    await ours.p.stop();
  });
});
