import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Condition, Provider } from "@openmcp-ts/contract";
import { providerWithConditions } from "./testdata/provider-with-conditions.ts";
import type { ProviderFailure } from "./provider-failures.ts";
import { waitForProvider } from "./wait-for-provider.ts";

const state = (conditions: Partial<Condition>[]): Provider => providerWithConditions(conditions, 1);

const podFailed = (k: number) =>
  state([
    {
      type: "Initialized",
      reason: "InitPodFailed",
      message: `init pod p-${k} failed (pod ${k} of 3): exited with code 3 (Error): forbidden; the Job tries again`,
    },
  ]);
const initFailed = state([{ type: "Initialized", reason: "InitFailed", message: "Job failed: forbidden" }]);

/** Replays the states one poll each (the last one repeats), recording the warnings. */
async function replay(states: Provider[], failFast: boolean) {
  let i = 0;
  const warned: ProviderFailure[] = [];
  const result = await waitForProvider({
    get: () => Promise.resolve(states[Math.min(i++, states.length - 1)]),
    generation: 1,
    timeoutMs: 2_000,
    intervalMs: 1,
    policy: { failFast, imagePullGraceMs: 30_000 },
    onChange: () => undefined,
    onFailure: (f) => warned.push(f),
    onReadError: () => undefined,
  });
  return { ...result, warned: warned.map((f) => f.text), polls: i };
}

describe("waitForProvider with fail-fast", () => {
  it("fails at the first deterministic init pod failure", async () => {
    const r = await replay([podFailed(1), podFailed(2), initFailed], true);
    assert.equal(r.verdict, "failed");
    assert.equal(r.polls, 1);
    assert.match(r.why ?? "", /^fail-fast/);
    assert.equal(r.warned.length, 1);
  });

  it("without fail-fast waits for the Job's retries, warning once per failed pod, until InitFailed", async () => {
    const r = await replay([podFailed(1), podFailed(1), podFailed(2), podFailed(3), initFailed], false);
    assert.equal(r.verdict, "failed");
    assert.equal(r.why, "the init Job failed (InitFailed)");
    assert.deepEqual(
      r.warned.map((w) => /pod p-(\d)|Job failed/.exec(w)?.[0]),
      ["pod p-1", "pod p-2", "pod p-3", "Job failed"],
    );
  });

  it("keeps waiting through a crash loop and times out", async () => {
    const crash = state([
      { type: "Ready", reason: "ProviderNotReady", message: "pod a: container a: CrashLoopBackOff" },
    ]);
    const r = await replay([crash], true);
    assert.equal(r.verdict, "timeout");
    assert.equal(r.warned.length, 1);
  });
});
