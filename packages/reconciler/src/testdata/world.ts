// A tiny in-memory stand-in for the API server and the Job/Deployment controllers, so that tests
// can drive a provider through whole scenarios: run a pass, execute its plan, change the world.
import {
  ANNOTATION_OPERATION,
  FINALIZER,
  type Deployment,
  type Job,
  type KubeObject,
  type Pod,
  type Provider,
  type ProviderKind,
  type ProviderSpec,
  type ReplicaSet,
  type Service,
} from "@openmcp-ts/contract";
import { RenderError, renderInitObjects, renderRunObjects, type RenderContext } from "@openmcp-ts/render";
import { planReconcile } from "../plan-reconcile.ts";
import type { Plan, ReconcileInput, RenderFailure, SpecProblem } from "../reconcile-types.ts";
import type { ReconcileOptionsInput } from "../reconcile-options.ts";

export const NAMESPACE = "openmcp-system";
export const TEST_IMAGE = "test-image:v0.1.0";
export const CTX: RenderContext = { environment: "test-environment", namespace: NAMESPACE, webhookSecretPresent: false };
export const OPTIONS: ReconcileOptionsInput = {
  namespace: NAMESPACE,
  maxInitAttempts: 3,
  initBackoffBaseMs: 10_000,
  initBackoffMaxMs: 60_000,
  jobDeletionPollMs: 1_000,
  progressPollMs: 30_000,
};
export const T0 = new Date("2025-06-01T12:00:00.000Z");

/** A provider as the reference's testdata writes it: generation 1, `NAME=test-name`, DEBUG, one replica. */
export function testProvider(
  kind: ProviderKind = "ClusterProvider",
  name = "cluster-provider-test-01",
  spec: Partial<ProviderSpec> = {},
): Provider {
  return {
    apiVersion: "openmcp.cloud/v1alpha1",
    kind,
    metadata: { name, uid: `uid-${name}`, generation: 1 },
    spec: {
      image: TEST_IMAGE,
      imagePullSecrets: [],
      env: [{ name: "NAME", value: "test-name" }],
      verbosity: "DEBUG",
      runReplicas: 1,
      ...spec,
    },
  };
}

/** A deep copy (JSON is enough for Kubernetes objects; `structuredClone` is not in the core's lib). */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** The desired objects as the shell would render them, or the render error as data. */
export function renderDesired(provider: Provider, ctx: RenderContext = CTX): Pick<ReconcileInput, "desired" | "problems"> {
  try {
    return { desired: { init: renderInitObjects(provider, ctx), run: renderRunObjects(provider, ctx) } };
  } catch (error) {
    if (error instanceof RenderError) return { problems: error };
    throw error;
  }
}

function key(o: { kind: string; name: string; namespace?: string | undefined }): string {
  return `${o.kind}/${o.namespace ?? ""}/${o.name}`;
}

export class World {
  provider: Provider;
  now: Date = T0;
  objects = new Map<string, KubeObject>();
  initPods: Pod[] = [];
  runPods: Pod[] = [];
  /** The Deployment controller's ReplicaSets, one per distinct pod template (see `apply`). */
  replicaSets: ReplicaSet[] = [];
  ctx: RenderContext = CTX;
  options: ReconcileOptionsInput = OPTIONS;
  /** Validation problems to pass in (as the shell would from `validateProvider`); `[]` skips validation. */
  problems: SpecProblem[] | RenderFailure | undefined;
  /** When true, deleted Jobs stay (terminating) until `finishDeletions()`. */
  slowJobDeletion = false;
  statusWrites = 0;
  /** Set by a pass that removed the finalizer of a deleting provider. */
  gone = false;

  constructor(provider: Provider = testProvider()) {
    this.provider = clone(provider);
  }

  get job(): Job | undefined {
    return this.objects.get(key({ kind: "Job", namespace: NAMESPACE, name: this.names.init })) as Job | undefined;
  }

  get deployment(): Deployment | undefined {
    return this.objects.get(key({ kind: "Deployment", namespace: NAMESPACE, name: this.names.run })) as
      | Deployment
      | undefined;
  }

  get names() {
    const prefix = { ClusterProvider: "cp", ServiceProvider: "sp", PlatformService: "ps" }[this.provider.kind];
    const run = `${prefix}-${this.provider.metadata.name ?? ""}`;
    return { run, init: `${run}-init` };
  }

  input(): ReconcileInput {
    const given = this.problems;
    const rendered =
      given === undefined || (Array.isArray(given) && given.length === 0)
        ? { ...renderDesired(this.provider, this.ctx), ...(given === undefined ? {} : { problems: given }) }
        : { problems: given };
    const service = this.objects.get(key({ kind: "Service", namespace: NAMESPACE, name: `${this.names.run}-metrics` }));
    return {
      provider: clone(this.provider),
      ...rendered,
      observed: {
        initJob: clone(this.job),
        initPods: clone(this.initPods),
        deployment: clone(this.deployment),
        runPods: clone(this.runPods),
        replicaSets: clone(this.replicaSets),
        metricsService: clone(service as Service | undefined),
      },
      now: this.now,
      options: this.options,
    };
  }

  /** One pass: plan, then execute the plan the way the shell does. */
  pass(): Plan {
    const plan = planReconcile(this.input());
    this.execute(plan);
    return plan;
  }

  execute(plan: Plan): void {
    const meta = this.provider.metadata;
    if (plan.finalizer === "add") meta.finalizers = [...(meta.finalizers ?? []), FINALIZER];
    if (plan.removeOperationAnnotation === true && meta.annotations !== undefined) {
      delete meta.annotations[ANNOTATION_OPERATION];
    }
    for (const a of plan.annotate ?? []) {
      const existing = this.objects.get(key(a));
      if (existing !== undefined) existing.metadata.annotations = { ...existing.metadata.annotations, ...a.annotations };
    }
    for (const object of plan.apply) this.apply(clone(object));
    for (const ref of plan.delete) {
      const k = key(ref);
      const existing = this.objects.get(k);
      if (existing === undefined) continue;
      if (ref.kind === "Job" && this.slowJobDeletion) existing.metadata.deletionTimestamp = this.now.toISOString();
      else this.objects.delete(k);
    }
    if (plan.finalizer === "remove") {
      meta.finalizers = (meta.finalizers ?? []).filter((f) => f !== FINALIZER);
      this.gone = true;
    }
    if (plan.status !== undefined) {
      const resources = this.provider.status?.resources;
      this.provider.status = { ...clone(plan.status), ...(resources === undefined ? {} : { resources }) };
      this.statusWrites++;
    }
  }

  private apply(object: KubeObject): void {
    const k = key({ kind: object.kind, name: object.metadata.name ?? "", namespace: object.metadata.namespace });
    const existing = this.objects.get(k) as (KubeObject & { spec?: unknown; status?: unknown }) | undefined;
    const incoming = object as KubeObject & { spec?: unknown };
    if (object.kind === "Deployment") this.syncReplicaSet(object as Deployment);
    if (existing === undefined) {
      object.metadata.generation = 1;
      this.objects.set(k, object);
      return;
    }
    const specChanged = JSON.stringify(existing.spec) !== JSON.stringify(incoming.spec);
    const generation = (existing.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    this.objects.set(k, {
      ...object,
      metadata: { ...object.metadata, generation },
      ...(existing.status === undefined ? {} : { status: existing.status }),
    } as KubeObject);
  }

  /** As the Deployment controller: the ReplicaSet of this template (found again or new) gets the Deployment's annotations. */
  private syncReplicaSet(deployment: Deployment): void {
    let rs = this.replicaSetOf(deployment);
    if (rs === undefined) {
      const hash = `h${this.replicaSets.length + 1}`;
      const t = clone(deployment.spec.template);
      rs = {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: { name: `${this.names.run}-${hash}`, namespace: NAMESPACE, uid: `rs-uid-${hash}` },
        spec: { template: { ...t, metadata: { ...t.metadata, labels: { ...t.metadata?.labels, "pod-template-hash": hash } } } },
      };
      this.replicaSets.push(rs);
    }
    rs.metadata.annotations = { ...deployment.metadata.annotations };
  }

  /** The ReplicaSet whose template (without its pod-template-hash label) is the Deployment's. */
  replicaSetOf(deployment: Deployment): ReplicaSet | undefined {
    const template = JSON.stringify(deployment.spec.template);
    return this.replicaSets.find((r) => {
      const labels = { ...r.spec.template.metadata?.labels };
      delete labels["pod-template-hash"];
      return JSON.stringify({ ...r.spec.template, metadata: { ...r.spec.template.metadata, labels } }) === template;
    });
  }

  /** The pods of the Deployment's current ReplicaSet wait with `reason` (e.g. CrashLoopBackOff). */
  failNewPods(reason: string): void {
    const rs = this.replicaSetOf(this.deployment!)!;
    const p = pod(`${rs.metadata.name ?? ""}-xxxxx`, this.now.toISOString(), {
      name: this.names.run,
      ready: false,
      restartCount: 3,
      state: { waiting: { reason, message: "back-off restarting failed container" } },
    });
    p.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: rs.metadata.name ?? "", uid: rs.metadata.uid ?? "" }];
    this.runPods = [p];
  }

  finishDeletions(): void {
    for (const [k, object] of this.objects) {
      if (object.metadata.deletionTimestamp !== undefined) this.objects.delete(k);
    }
  }

  /** The Job controller reports success. */
  succeedJob(): void {
    const job = this.job!;
    job.status = {
      succeeded: 1,
      conditions: [{ type: "Complete", status: "True", lastTransitionTime: this.now.toISOString() }],
    };
  }

  /** The Job controller gives up; the last pod exited with `exitCode` and `message`. */
  failJob(exitCode = 3, message = "cannot reach the onboarding cluster"): void {
    const job = this.job!;
    job.status = {
      failed: 5,
      conditions: [
        {
          type: "Failed",
          status: "True",
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
          lastTransitionTime: this.now.toISOString(),
        },
      ],
    };
    this.initPods = [
      pod(`${this.names.init}-aaaaa`, "2025-06-01T11:00:00Z", {
        name: "init",
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason: "Error", message } },
      }),
    ];
  }

  /** The Deployment controller finishes the rollout of the current spec. */
  rollOut(): void {
    const deployment = this.deployment!;
    const replicas = deployment.spec.replicas ?? 1;
    deployment.status = {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas,
      updatedReplicas: replicas,
      availableReplicas: replicas,
      readyReplicas: replicas,
      conditions: [{ type: "Available", status: "True" }],
    };
    this.runPods = [];
  }

  /** A spec change as the API server does it: new spec, generation + 1. */
  changeSpec(spec: Partial<ProviderSpec>): void {
    this.provider.spec = { ...this.provider.spec, ...spec };
    this.provider.metadata.generation = (this.provider.metadata.generation ?? 1) + 1;
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }

  /** Runs the first install to a ready provider. */
  install(): void {
    this.pass();
    this.succeedJob();
    this.pass();
    this.rollOut();
    this.pass();
  }
}

export function pod(
  name: string,
  creationTimestamp: string,
  ...containerStatuses: NonNullable<NonNullable<Pod["status"]>["containerStatuses"]>
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NAMESPACE, creationTimestamp },
    status: { phase: "Running", containerStatuses },
  };
}
