import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WorkQueue } from "./work-queue.ts";

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("WorkQueue", () => {
  it("de-duplicates waiting keys and never runs one key twice at once", async () => {
    const running = new Set<string>();
    const seen: string[] = [];
    let overlap = false;
    const q = new WorkQueue({
      workers: 4,
      process: async (key) => {
        if (running.has(key)) overlap = true;
        running.add(key);
        seen.push(key);
        await tick(20);
        running.delete(key);
        return undefined;
      },
    });
    q.add("a");
    q.add("a"); // processing: marked dirty, runs once more afterwards
    q.add("b");
    q.add("b"); // waiting? b is processing too with 4 workers
    await tick(5);
    q.add("a");
    q.add("a");
    await q.idle();
    await tick(50);
    await q.idle();
    assert.equal(overlap, false);
    assert.equal(seen.filter((k) => k === "a").length, 2);
  });

  it("backs off per key after failures and resets on success", async () => {
    const times: number[] = [];
    let calls = 0;
    const q = new WorkQueue({
      workers: 1,
      baseDelayMs: 20,
      process: () => {
        times.push(Date.now());
        calls++;
        if (calls <= 3) return Promise.reject(new Error("boom"));
        return Promise.resolve(undefined);
      },
    });
    q.add("k");
    const deadline = Date.now() + 2000;
    while (calls < 4 && Date.now() < deadline) await tick(10);
    assert.equal(calls, 4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    assert.ok(gaps[0]! >= 18 && gaps[1]! >= 38 && gaps[2]! >= 78, `gaps grow: ${gaps.join(",")}`);
  });

  it("requeues after the requested delay", async () => {
    let calls = 0;
    const q = new WorkQueue({
      workers: 1,
      process: () => {
        calls++;
        return Promise.resolve(calls === 1 ? { requeueAfterMs: 30 } : undefined);
      },
    });
    q.add("k");
    await tick(10);
    assert.equal(calls, 1);
    await tick(60);
    assert.equal(calls, 2);
    await q.stop();
  });

  it("stop resolves only after the passes in flight finished, and drops the waiting keys", async () => {
    const finished: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue({
      workers: 1,
      process: async (key) => {
        await gate;
        finished.push(key);
        return undefined;
      },
    });
    q.add("a");
    q.add("b"); // waiting behind a: dropped by stop
    let stopped = false;
    const stopping = q.stop().then(() => (stopped = true));
    await tick(10);
    assert.equal(stopped, false, "stop waits for the pass of a");
    release();
    await stopping;
    assert.deepEqual(finished, ["a"]);
  });

  it("reports client-go's work queue metrics through its hooks", async () => {
    const events: string[] = [];
    const q = new WorkQueue({
      workers: 1,
      process: async (key) => {
        if (key === "fail") throw new Error("boom");
        await tick(1);
        return undefined;
      },
      metrics: {
        depth: (n) => events.push(`depth ${n}`),
        added: () => events.push("added"),
        started: (s) => events.push(s >= 0 ? "started" : "negative wait"),
        finished: (s) => events.push(s > 0 ? "finished" : "no work time"),
        retried: () => events.push("retried"),
        active: (n) => events.push(`active ${n}`),
      },
    });
    q.add("ok");
    q.add("fail");
    await q.idle();
    await q.stop();
    assert.equal(events.filter((e) => e === "added").length, 2);
    assert.equal(events.filter((e) => e === "started").length, 2);
    assert.equal(events.filter((e) => e === "finished").length, 2);
    assert.equal(events.filter((e) => e === "retried").length, 1);
    assert.deepEqual(events.slice(0, 2), ["added", "depth 1"]);
  });
});
