import { FIELD_MANAGER_OPERATOR, type ProviderKind } from "@openmcp-ts/contract";
import type { RenderContext } from "@openmcp-ts/render";
import { defaultOptions } from "./flags.ts";

/**
 * Everything the operator runs with, from the command line (see FLAGS, where each flag's default
 * lives) down to the controller: one type, no copies field by field.
 */
export interface OperatorOptions {
  environment: string;
  /** The system namespace every provider workload goes to (POD_NAMESPACE). */
  namespace: string;
  kubeconfig?: string | undefined;
  /** Concurrent reconciles per kind. */
  workers: number;
  fieldManager: string;
  leaderElect: boolean;
  leaseName: string;
  leaseDurationSeconds: number;
  identity?: string | undefined;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  /**
   * A Lease of another operator (the reference's leader election) in `namespace`: while it is held,
   * nothing is written to providers. Empty: do not wait.
   */
  waitForLease: string;
  /** Seconds between two reads of that Lease (default 2). */
  waitForLeasePollSeconds?: number | undefined;
  securityContext: NonNullable<RenderContext["securityContext"]>;
  /** ClusterRole bound to the providers' ServiceAccounts, per kind; cluster-admin where absent (parity). */
  providerClusterRoles?: Partial<Record<ProviderKind, string>> | undefined;
  maxInitAttempts: number;
  initJobBackoffLimit: number;
  initBackoffBaseMs?: number | undefined;
  initBackoffMaxMs?: number | undefined;
  /** Namespace for Events about cluster-scoped providers (kubectl describe looks in "default"). */
  eventNamespace?: string | undefined;
  /**
   * Field managers whose Update-written fields on our objects become ours before we apply, as
   * kubectl's csaupgrade does (default: the reference operator's, `openmcp-operator`): then a field
   * dropped from the spec is dropped from the live object too. Empty: take over nothing.
   */
  takeOverFieldManagers: readonly string[];
  /**
   * Resolve `spec.image` tags to digests through the registry and deploy `repository@sha256:…`
   * (issue 20); absent: deploy the tag as given, as the reference does.
   */
  imageDigests?: { intervalMs: number; registryCa?: string | undefined } | undefined;
  /** `--default-runtime-config`: the ProviderRuntimeConfig of providers without the annotation (issue 19). */
  defaultRuntimeConfig?: string | undefined;
  /** Roll a failing new release back to the last good one (issue 20). */
  rollback: boolean;
  /** How long a new release's run pods may take to become ready before it is rolled back. */
  rolloutDeadlineMs: number;
  /** How long into a rollout a crash loop or image-pull failure is tolerated. */
  rolloutFailureGraceMs: number;
}

/** What a caller of startOperator must give; the rest defaults as on the command line. */
export type OperatorOptionsInput = Pick<OperatorOptions, "environment" | "namespace"> &
  Partial<OperatorOptions>;

/**
 * The defaults of FLAGS under the given options, except that the probe and metrics servers stay
 * off unless asked for: a program (a test) that starts the operator in process binds no port.
 */
export function resolveOperatorOptions(input: OperatorOptionsInput): OperatorOptions {
  const defaults = defaultOptions("run");
  return {
    workers: defaults.workers!,
    fieldManager: FIELD_MANAGER_OPERATOR,
    leaderElect: defaults.leaderElect!,
    leaseName: defaults.leaseName!,
    leaseDurationSeconds: defaults.leaseDurationSeconds!,
    metricsBindAddress: "0",
    healthProbeBindAddress: "0",
    waitForLease: "",
    securityContext: defaults.securityContext!,
    maxInitAttempts: defaults.maxInitAttempts!,
    initJobBackoffLimit: defaults.initJobBackoffLimit!,
    takeOverFieldManagers: defaults.takeOverFieldManagers!,
    rollback: defaults.rollback!,
    rolloutDeadlineMs: defaults.rolloutDeadlineMs!,
    rolloutFailureGraceMs: defaults.rolloutFailureGraceMs!,
    ...withoutUndefined(input),
  };
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
