export { run } from "./run.ts";
export { parseInputs, parseDuration, MODES, type ActionInputs, type Mode } from "./parse-inputs.ts";
export { buildProvider, provenance, type BuildProviderOptions } from "./build-provider.ts";
export { diffValues } from "./diff-values.ts";
export { judgeProvider, waitForProvider, describeState, conditionMessages } from "./wait-for-provider.ts";
export { renderSummary, type SummaryFacts } from "./render-summary.ts";
export { STATE_KUBECONFIG_PATH, writeKubeconfig, removeKubeconfig } from "./kubeconfig-file.ts";
export { decodeKubeconfig, kubeconfigSecrets } from "./kubeconfig-text.ts";
export { getInput, setOutput, saveState, appendSummary, type Env } from "./runner-io.ts";
