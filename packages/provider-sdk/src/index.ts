// The face of @openmcp-ts/provider-sdk: what provider authors (the template, the examples) use and
// the README documents, with the types of its options and contexts so authors can name them.

// Provider entry point: the contract's init|run, flags, logging, signals, leader election
export {
  defineProvider,
  type InitContext,
  type MainOptions,
  type Provider,
  type ProviderDefinition,
  type RunContext,
} from "./define-provider.ts";

// Cluster-access helpers (reference libraries §6.2, §6.3)
export { registerResources } from "./register-resources.ts";
export { installCrds, type CrdClusters, type InstallCrdsOptions } from "./install-crds.ts";
export {
  createAndWaitForCluster,
  type CreateAndWaitForClusterOptions,
} from "./create-and-wait-for-cluster.ts";

// The JSON-line logger of @openmcp-ts/kube, as this package has always re-exported it
export { createLogger, parseLogLevel, type Logger, type LogLevel } from "@openmcp-ts/kube";
