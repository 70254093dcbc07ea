import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { API_VERSION, type Pod, type Provider } from "@openmcp-ts/contract";
import { Informer } from "@openmcp-ts/kube";
import {
  condition,
  eventually,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
} from "@openmcp-ts/test-support";
import { INIT_BEHAVIOR_ENV, RUN_BEHAVIOR_ENV } from "@openmcp-ts/testenv";

interface Event {
  reason?: string;
  message?: string;
  type?: string;
  involvedObject?: { name?: string };
  metadata: { name?: string; namespace?: string };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * Failures are visible as they happen (issue 16): every failed init pod while the Job still
 * retries, and every run pod of a new version that crash-loops or cannot pull. The latency from
 * the moment the test sees the pod fail to the moment it sees the provider say so is printed
 * (measured, not asserted: speed goals live in bench/).
 */
describe("fail fast: pod failures in the provider's status (full control plane)", () => {
  let h: OperatorHarness;
  const podSeen = new Map<string, number>();
  let pods: Informer<Pod & { metadata: { name?: string } }>;
  before(async () => {
    h = await startOperatorHarness({
      full: true,
      operator: { initJobBackoffLimit: 2, maxInitAttempts: 1 },
    });
    pods = new Informer(
      h.client,
      { apiVersion: "v1", kind: "Pod", namespace: h.namespace },
      {
        onEvent: (_t, p) => {
          const name = p.metadata.name ?? "";
          const statuses = p.status?.containerStatuses ?? [];
          const failed = statuses.some(
            (s) =>
              (s.state?.terminated?.exitCode ?? 0) !== 0 ||
              ["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull"].includes(
                s.state?.waiting?.reason ?? "",
              ),
          );
          if (failed && !podSeen.has(name)) podSeen.set(name, Date.now());
        },
      },
    );
    await pods.start();
  });
  after(async () => {
    await pods?.stop();
    await h?.stop();
  });

  it("reports each failed init pod at once, with pod k of n, exit code, message and time, and an Event per pod", async () => {
    const name = "fails-fast";
    await h.client.apply(
      testProvider("ServiceProvider", name, {
        env: [
          { name: INIT_BEHAVIOR_ENV, value: "fail" },
          { name: "TESTENV_EXIT_CODE", value: "3" },
          { name: "TESTENV_MESSAGE", value: "cannot install CRD examples.openmcp.cloud: forbidden" },
        ],
      }),
      "test",
    );
    const seenMessages = new Map<string, number>();
    const latencies: number[] = [];
    const provider = new Informer<Provider & { metadata: { name?: string } }>(
      h.client,
      { apiVersion: API_VERSION, kind: "ServiceProvider" },
      {
        onEvent: (_t, p) => {
          const c = condition(p, "Initialized");
          if (p.metadata.name !== name || c?.reason !== "InitPodFailed" || seenMessages.has(c.message))
            return;
          seenMessages.set(c.message, Date.now());
          const pod = /^init pod (\S+) failed/.exec(c.message)?.[1];
          const failedAt = pod === undefined ? undefined : podSeen.get(pod);
          if (failedAt !== undefined) latencies.push(Date.now() - failedAt);
        },
      },
    );
    await provider.start();
    try {
      await eventually(
        "the provider is Stalled after its only Job gave up",
        async () => condition(await h.client.get<Provider>(ref(name)), "Stalled")?.status === "True",
        90_000,
      );
    } finally {
      await provider.stop();
    }
    const messages = [...seenMessages.keys()];
    assert.equal(
      messages.length,
      3,
      `one status per failed pod (backoffLimit 2: 3 pods):\n${messages.join("\n")}`,
    );
    for (const [i, m] of messages.entries()) {
      assert.match(
        m,
        new RegExp(
          `^init pod sp-${name}-init-\\w+ failed \\(pod ${i + 1} of 3\\) at \\S+Z: exited with code 3 \\(Error\\): cannot install CRD examples.openmcp.cloud: forbidden; the Job `,
        ),
      );
    }
    assert.match(messages[0]!, /the Job tries again$/);
    const events = (
      await h.client.list<Event>({ apiVersion: "v1", kind: "Event", namespace: "default" })
    ).items.filter((e) => e.involvedObject?.name === name && e.reason === "InitPodFailed");
    assert.deepEqual(
      events.map((e) => e.message).sort(),
      [...messages].sort(),
      "a Warning Event per failed pod",
    );
    assert.equal(latencies.length, 3);
    process.stderr.write(
      `fail fast: failed init pod → provider status: ${latencies.join(", ")} ms (median ${median(latencies)} ms)\n`,
    );
  });

  for (const behavior of ["crashloop", "image-pull-backoff"] as const) {
    it(`reports run pods of a new version that ${behavior === "crashloop" ? "crash-loop" : "cannot pull"}`, async () => {
      const name = `run-${behavior}`;
      await h.client.apply(testProvider("ServiceProvider", name, {}), "test");
      await eventually(
        `${name} Ready`,
        async () => (await h.client.get<Provider>(ref(name))).status?.phase === "Ready",
        60_000,
      );
      const started = Date.now();
      await h.client.apply(
        testProvider("ServiceProvider", name, {
          image: "test-image:v0.2.0",
          env: [{ name: RUN_BEHAVIOR_ENV, value: behavior }],
        }),
        "test",
      );
      const reason = behavior === "crashloop" ? "CrashLoopBackOff" : "ImagePullBackOff";
      const reported = await eventually(
        `${name} reports ${reason}`,
        async () => {
          const c = condition(await h.client.get<Provider>(ref(name)), "Ready");
          return c?.status === "False" && c.message.includes(reason) ? Date.now() : undefined;
        },
        60_000,
        50,
      );
      const failedPod = [...podSeen].find(([pod, at]) => pod.startsWith(`sp-${name}-`) && at >= started);
      assert.ok(failedPod, "the test saw the failing run pod");
      process.stderr.write(`fail fast: run pod ${reason} → provider status: ${reported - failedPod[1]} ms\n`);
    });
  }
});

function ref(name: string) {
  return { apiVersion: API_VERSION, kind: "ServiceProvider", name };
}
