import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { providerObjectNames } from "@openmcp-ts/contract";
import {
  completeJob,
  eventually,
  freePort,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
} from "@openmcp-ts/test-support";

/** The operator's /metrics as Prometheus scrapes it: one line per sample, `name{labels} value`. */
async function scrape(port: number): Promise<{ contentType: string; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { contentType: res.headers.get("content-type") ?? "", text: await res.text() };
}

/** The sum of the samples of `name` whose labels include `labels`; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  let sum: number | undefined;
  for (const line of text.split("\n")) {
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

describe("/metrics with controller-runtime's names", () => {
  let h: OperatorHarness;
  let port: number;
  before(async () => {
    port = await freePort();
    h = await startOperatorHarness({
      operator: { metricsBindAddress: `127.0.0.1:${port}`, leaderElect: true, leaseName: "metrics-test" },
    });
  });
  after(async () => await h?.stop());

  it("counts reconciles, queue work, API requests and leadership, and keeps the per-provider gauges", async () => {
    const name = "metrics-sp";
    await h.client.apply(testProvider("ServiceProvider", name), "test");
    const job = providerObjectNames("ServiceProvider", name).init;
    await eventually(
      "the init Job",
      async () =>
        (await h.client.find({ apiVersion: "batch/v1", kind: "Job", namespace: h.namespace, name: job })) !==
        undefined,
    );
    await completeJob(h.client, h.namespace, job);
    const { contentType, text } = await eventually(
      "the reconcile after the Job completed is counted",
      async () => {
        const s = await scrape(port);
        const initialized = sample(s.text, "openmcp_provider_initialized", { kind: "ServiceProvider", name });
        return initialized === 1 ? s : undefined;
      },
    );
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    const controller = { controller: "serviceprovider" };
    // Passes while the Deployment is not available end in requeue_after (controller-runtime's label).
    assert.ok(sample(text, "controller_runtime_reconcile_total", controller)! >= 2);
    assert.match(
      text,
      /^controller_runtime_reconcile_total\{controller="serviceprovider",result="(success|requeue_after)"\} \d+$/m,
    );
    assert.ok(sample(text, "controller_runtime_reconcile_time_seconds_count", controller)! >= 1);
    assert.equal(sample(text, "controller_runtime_reconcile_errors_total", controller) ?? 0, 0);
    assert.equal(sample(text, "controller_runtime_max_concurrent_reconciles", controller), 4);
    const queue = { name: "serviceprovider", controller: "serviceprovider" };
    assert.ok(sample(text, "workqueue_adds_total", queue)! >= 2);
    assert.equal(typeof sample(text, "workqueue_depth", queue), "number");
    assert.ok(sample(text, "workqueue_queue_duration_seconds_count", queue)! >= 2);
    assert.ok(sample(text, "workqueue_work_duration_seconds_count", queue)! >= 2);
    assert.match(text, /^# TYPE workqueue_retries_total counter$/m);
    const host = new URL(h.client.server).host;
    assert.ok(sample(text, "rest_client_requests_total", { code: "200", method: "GET", host })! >= 1);
    assert.ok(sample(text, "rest_client_requests_total", { code: "201", method: "PATCH", host })! >= 1);
    assert.equal(sample(text, "leader_election_master_status", { name: "metrics-test" }), 1);
    assert.equal(
      sample(text, "openmcp_provider_ready", { kind: "ServiceProvider", name, image: "test-image:v0.1.0" }),
      0,
      "not Ready: its Deployment is not available",
    );
  });
});
