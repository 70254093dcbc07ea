export {
  TEST_ENVIRONMENT,
  TEST_NAMESPACE,
  completeJob,
  condition,
  providerRef,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
} from "./operator-harness.ts";
export { expectConverged, invariantViolations } from "./invariants.ts";
export {
  OPERATOR_SOURCE_ENTRY,
  spawnOperatorProcess,
  type OperatorProcess,
  type OperatorProcessOptions,
} from "./operator-process.ts";
export { runChurn, seededRandom, type ChurnOptions, type ChurnReport } from "./churn.ts";
export { captureOutput, type CapturedOutput } from "@openmcp-ts/test-support/capture-output";
export { eventually, freePort } from "@openmcp-ts/testenv";
export { GENERATED_NAMESPACED_KINDS } from "@openmcp-ts/operator";
