export {
  startLandscape,
  landscapeProviders,
  schedulerConfigYaml,
  CLUSTERS_SECRET,
  LANDSCAPE_ENVIRONMENT,
  LANDSCAPE_NAMESPACE,
  LOCAL_PROFILE,
  ONBOARDING_CLUSTER,
  type Landscape,
  type LandscapeOptions,
} from "./start-landscape.ts";
export {
  PodRunner,
  resolvePodEnv,
  EXTERNAL_BEHAVIOR,
  type PodRunnerOptions,
  type RunnablePod,
} from "./pod-runner.ts";
export { runLandscapeDemo } from "./landscape-demo.ts";
export { waitForLandscapeReady } from "./wait-for-landscape.ts";
