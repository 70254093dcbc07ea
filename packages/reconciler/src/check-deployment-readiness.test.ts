import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Deployment, Pod } from "@openmcp-ts/contract";
import { checkDeploymentReadiness } from "./check-deployment-readiness.ts";
import { ANNOTATION_RUN_HASH } from "./compute-run-hash.ts";
import { describeLastFailure, describePodProblems } from "./describe-pods.ts";

const REF = "deployment openmcp-system/cp-x";

function deployment(
  status: Deployment["status"],
  extra: { generation?: number; replicas?: number; hash?: string } = {},
): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "cp-x",
      namespace: "openmcp-system",
      generation: extra.generation ?? 2,
      annotations: { [ANNOTATION_RUN_HASH]: extra.hash ?? "h1" },
    },
    spec: {
      replicas: extra.replicas ?? 2,
      selector: {},
      template: { spec: { containers: [{ name: "cp-x", image: "img:1" }] } },
    },
    ...(status === undefined ? {} : { status }),
  };
}

const ready = { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };
const waitingPod = (
  name: string,
  reason: string,
  message?: string,
  extra: Partial<NonNullable<Pod["status"]>> = {},
): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "openmcp-system" },
  status: {
    phase: "Pending",
    containerStatuses: [
      {
        name: "cp-x",
        ready: false,
        restartCount: 0,
        state: { waiting: { reason, ...(message === undefined ? {} : { message }) } },
      },
    ],
    ...extra,
  },
});

void describe("checkDeploymentReadiness", () => {
  const cases: {
    name: string;
    deployment: Deployment | undefined;
    pods?: Pod[];
    ready: boolean;
    message: string;
    stalled?: string;
  }[] = [
    { name: "ready", deployment: deployment(ready), ready: true, message: "" },
    {
      name: "not created yet",
      deployment: undefined,
      ready: false,
      message: `${REF} not ready: not created yet`,
    },
    {
      name: "our update not yet applied (run hash differs)",
      deployment: deployment(ready, { hash: "old" }),
      ready: false,
      message: `${REF} not ready: update pending`,
    },
    {
      name: "observed generation outdated (reference message)",
      deployment: deployment({ ...ready, observedGeneration: 1 }),
      ready: false,
      message: `${REF} not ready: observed generation outdated`,
    },
    {
      name: "replicas differ: reference message plus counts",
      deployment: deployment({ ...ready, availableReplicas: 1 }),
      ready: false,
      message: `${REF} is not ready: 2/2 replicas updated, 1/2 available`,
    },
    {
      name: "no status at all",
      deployment: deployment(undefined, { generation: 1 }),
      ready: false,
      message: `${REF} not ready: observed generation outdated`,
    },
    {
      name: "image pull back-off, grouped over replicas",
      deployment: deployment({ ...ready, availableReplicas: 0, updatedReplicas: 2 }),
      pods: [
        waitingPod("cp-x-b", "ImagePullBackOff", 'Back-off pulling image "img:1"'),
        waitingPod("cp-x-a", "ImagePullBackOff", 'Back-off pulling image "img:1"'),
      ],
      ready: false,
      message: `${REF} is not ready: 2/2 replicas updated, 0/2 available; pod cp-x-a: container cp-x: ImagePullBackOff: Back-off pulling image "img:1" (and 1 more pod)`,
    },
    {
      name: "crash loop: the last exit, not the kubelet's back-off delay",
      deployment: deployment({ ...ready, availableReplicas: 1 }),
      pods: [
        {
          ...waitingPod("cp-x-a", "CrashLoopBackOff", "back-off 40s restarting failed container"),
          status: {
            containerStatuses: [
              {
                name: "cp-x",
                ready: false,
                restartCount: 4,
                state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } },
                lastState: {
                  terminated: {
                    exitCode: 2,
                    reason: "Error",
                    message: "flag provided but not defined: -metrics-secure\n",
                  },
                },
              },
            ],
          },
        },
      ],
      ready: false,
      message: `${REF} is not ready: 2/2 replicas updated, 1/2 available; pod cp-x-a: container cp-x: CrashLoopBackOff: last run exited with code 2 (Error): flag provided but not defined: -metrics-secure`,
    },
    {
      name: "config error",
      deployment: deployment({ ...ready, availableReplicas: 1 }),
      pods: [waitingPod("cp-x-a", "CreateContainerConfigError", 'secret "x" not found')],
      ready: false,
      message: `${REF} is not ready: 2/2 replicas updated, 1/2 available; pod cp-x-a: container cp-x: CreateContainerConfigError: secret "x" not found`,
    },
    {
      name: "unschedulable pod; harmless waiting reasons and terminating pods are not reported",
      deployment: deployment({ ...ready, availableReplicas: 1 }),
      pods: [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "cp-x-a" },
          status: {
            phase: "Pending",
            conditions: [
              {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message: "0/3 nodes are available: 3 Insufficient cpu.",
              },
            ],
          },
        },
        waitingPod("cp-x-b", "ContainerCreating"),
        {
          ...waitingPod("cp-x-c", "ImagePullBackOff", "x"),
          metadata: { name: "cp-x-c", deletionTimestamp: "2025-01-01T00:00:00Z" },
        },
      ],
      ready: false,
      message: `${REF} is not ready: 2/2 replicas updated, 1/2 available; pod cp-x-a: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.`,
    },
    {
      name: "replica failure (e.g. Pod Security admission)",
      deployment: deployment({
        ...ready,
        replicas: 0,
        updatedReplicas: 0,
        availableReplicas: 0,
        conditions: [
          {
            type: "ReplicaFailure",
            status: "True",
            reason: "FailedCreate",
            message: 'pods "cp-x-1" is forbidden',
          },
        ],
      }),
      ready: false,
      message: `${REF} is not ready: 0/2 replicas updated, 0/2 available, 0 in total; ReplicaFailure: FailedCreate: pods "cp-x-1" is forbidden`,
    },
    {
      name: "progress deadline exceeded: stalled",
      deployment: deployment({
        ...ready,
        availableReplicas: 0,
        conditions: [
          {
            type: "Progressing",
            status: "False",
            reason: "ProgressDeadlineExceeded",
            message: 'ReplicaSet "cp-x-1" has timed out progressing.',
          },
        ],
      }),
      pods: [waitingPod("cp-x-a", "ErrImagePull", "not found")],
      ready: false,
      message: `${REF} not ready: ProgressDeadlineExceeded: ReplicaSet "cp-x-1" has timed out progressing.; pod cp-x-a: container cp-x: ErrImagePull: not found`,
      stalled: "ProgressDeadlineExceeded",
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      const result = checkDeploymentReadiness(c.deployment, c.pods, {
        namespace: "openmcp-system",
        name: "cp-x",
        runHash: "h1",
      });
      assert.equal(result.ready, c.ready);
      assert.equal(result.message, c.message);
      assert.equal(result.stalled?.reason, c.stalled);
    });
  }

  void it("ignores the hash when none is expected, and reads a missing replicas as the API default 1", () => {
    const d = deployment(
      { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
      { hash: "other" },
    );
    delete d.spec.replicas;
    assert.equal(checkDeploymentReadiness(d, [], { namespace: "openmcp-system", name: "cp-x" }).ready, true);
  });
});

void describe("describePodProblems / describeLastFailure", () => {
  void it("names at most three problems and counts the rest", () => {
    const pods = ["a", "b", "c", "d", "e"].map((n) => waitingPod(`p-${n}`, "ErrImagePull", `error ${n}`));
    const lines = describePodProblems(pods);
    assert.equal(lines.length, 4);
    assert.equal(lines[3], "2 more problems");
  });

  void it("finds the newest pod's non-zero exit, in state or lastState", () => {
    const pods: Pod[] = [
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "old", creationTimestamp: "2025-01-01T00:00:00Z" },
        status: {
          containerStatuses: [
            { name: "init", ready: false, restartCount: 0, state: { terminated: { exitCode: 1 } } },
          ],
        },
      },
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "new", creationTimestamp: "2025-01-01T00:01:00Z" },
        status: {
          containerStatuses: [
            {
              name: "init",
              ready: false,
              restartCount: 1,
              lastState: { terminated: { exitCode: 7, message: " x".repeat(800) } },
            },
          ],
        },
      },
    ];
    const text = describeLastFailure(pods, "init")!;
    assert.match(text, /^pod new: container init exited with code 7: x x/);
    assert.ok(text.length < 1100, "long termination messages are truncated");
    assert.equal(describeLastFailure([], "init"), undefined);
  });
});
