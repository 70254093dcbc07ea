export { startOperator, type OperatorOptions, type RunningOperator } from "./operator.ts";
export { installCrds } from "./install-crds.ts";
export { createLogger, type Logger } from "@openmcp-ts/kube";
export { main, REFERENCE_LEASE, USAGE } from "./main.ts";
export { GENERATED_NAMESPACED_KINDS } from "./provider-controller.ts";
