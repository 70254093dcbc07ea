import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Condition, Provider } from "@openmcp-ts/contract";
import { providerWithConditions } from "./testdata/provider-with-conditions.ts";
import { failFastVerdict, isDeterministic, providerFailures } from "./provider-failures.ts";

const provider = (conditions: Partial<Condition>[], observedGeneration = 2): Provider =>
  providerWithConditions(conditions, 2, observedGeneration);

const POD_FAILED =
  "init pod sp-x-init-abcde failed (pod 2 of 5) at 2026-12-01T23:20:00Z: exited with code 3 (Error): cannot install CRD: forbidden; the Job tries again";

describe("providerFailures", () => {
  const cases: [string, Partial<Condition>[], string[]][] = [
    ["nothing wrong", [{ type: "Ready", status: "True", reason: "ProviderReady" }], []],
    [
      "Stalled=True",
      [{ type: "Stalled", status: "True", reason: "InitFailed", message: "gave up" }],
      ["stalled"],
    ],
    ["Stalled=False is no failure", [{ type: "Stalled", status: "False", message: "fine" }], []],
    ["InitFailed", [{ type: "Initialized", reason: "InitFailed", message: "Job failed" }], ["init-failed"]],
    [
      "InitPodFailed",
      [{ type: "Initialized", reason: "InitPodFailed", message: POD_FAILED }],
      ["init-pod-failed"],
    ],
    [
      "ImagePullBackOff in Ready",
      [
        {
          type: "Ready",
          reason: "ProviderNotReady",
          message: "pod a: container a: ImagePullBackOff: Back-off",
        },
      ],
      ["image-pull"],
    ],
    [
      "ErrImagePull in the init pod",
      [
        {
          type: "Initialized",
          reason: "InitRunning",
          message: "pod a: container init: ErrImagePull: not found",
        },
      ],
      ["image-pull"],
    ],
    [
      "CrashLoopBackOff",
      [
        {
          type: "Ready",
          reason: "ProviderNotReady",
          message: "pod a: container a: CrashLoopBackOff: last run",
        },
      ],
      ["crash-loop"],
    ],
    [
      "a condition of an older generation",
      [{ type: "Initialized", reason: "InitFailed", message: "old", observedGeneration: 1 }],
      [],
    ],
  ];
  for (const [name, conditions, kinds] of cases)
    it(name, () =>
      assert.deepEqual(
        providerFailures(provider(conditions), 2).map((f) => f.kind),
        kinds,
      ),
    );

  it("ignores a status the operator wrote for an older generation", () => {
    assert.deepEqual(providerFailures(provider([{ type: "Stalled", status: "True" }], 1), 2), []);
  });
});

describe("isDeterministic", () => {
  const cases: [string, boolean][] = [
    [POD_FAILED, true],
    ["init pod p failed (pod 1 of 5): exited with code 1: x", true],
    ["init pod p failed (pod 1 of 5): exited with code 137 (OOMKilled)", false],
    ["init pod p failed (pod 1 of 5): exited with code 143 (Error)", false],
    ["init pod p failed (pod 1 of 5): failed; the Job tries again", false],
  ];
  for (const [message, expected] of cases)
    it(message, () => assert.equal(isDeterministic(message), expected));
});

describe("failFastVerdict", () => {
  const policy = { failFast: true, imagePullGraceMs: 30_000 };
  const podFailed = providerFailures(
    provider([{ type: "Initialized", reason: "InitPodFailed", message: POD_FAILED }]),
    2,
  );
  const pull = providerFailures(
    provider([{ type: "Ready", reason: "ProviderNotReady", message: "container a: ImagePullBackOff" }]),
    2,
  );
  const stalled = providerFailures(provider([{ type: "Stalled", status: "True" }]), 2);
  it("fails fast on a deterministic init pod failure", () =>
    assert.match(failFastVerdict(podFailed, policy, undefined, 0) ?? "", /fail-fast: an init pod exited/));
  it("waits for the Job's retries without fail-fast", () =>
    assert.equal(failFastVerdict(podFailed, { ...policy, failFast: false }, undefined, 0), undefined));
  it("fails on Stalled also without fail-fast", () =>
    assert.match(
      failFastVerdict(stalled, { ...policy, failFast: false }, undefined, 0) ?? "",
      /Stalled=True/,
    ));
  it("reports a rollback as a failed deploy, with the reason", () => {
    const message =
      "release x:v2 (init a, run b) failed (CrashLoopBackOff): pod p: container c: CrashLoopBackOff; rolled back to x:v1 (init c, run d)";
    const rolledBack = providerFailures(
      provider([{ type: "Stalled", status: "True", reason: "RolledBack", message }]),
      2,
    );
    assert.deepEqual(rolledBack, [{ kind: "rolled-back", text: `Stalled=True/RolledBack: ${message}` }]);
    assert.match(
      failFastVerdict(rolledBack, { ...policy, failFast: false }, undefined, 0) ?? "",
      /rolled the new release back to the last good one \(RolledBack\)/,
    );
  });
  it("gives image pulls their grace", () => {
    assert.equal(failFastVerdict(pull, policy, 1_000, 30_999), undefined);
    assert.match(failFastVerdict(pull, policy, 1_000, 31_000) ?? "", /could not be pulled for 30s/);
  });
});
