export { startOperator, type RunningOperator } from "./operator.ts";
export {
  resolveOperatorOptions,
  type OperatorOptions,
  type OperatorOptionsInput,
} from "./operator-options.ts";
export { installCrds } from "./install-crds.ts";
export { createLogger, type Logger } from "@openmcp-ts/kube";
export { main } from "./main.ts";
export { FLAGS, REFERENCE_LEASE, usage, type FlagSpec } from "./flags.ts";
export { createOperatorMetrics, sumOf, type OperatorMetrics } from "./metrics.ts";
export { GENERATED_NAMESPACED_KINDS } from "./provider-informers.ts";
