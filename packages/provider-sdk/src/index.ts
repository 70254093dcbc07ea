// The face of @openmcp-ts/provider-sdk: what provider authors (the template, the examples) use and
// the README documents. Options and context types stay inside; their shapes are in the README.

// Provider entry point: the contract's init|run, flags, logging, signals, leader election
export { defineProvider, type Provider } from "./define-provider.ts";

// Cluster-access helpers (reference libraries §6.2, §6.3)
export { registerResources } from "./register-resources.ts";
export { installCrds } from "./install-crds.ts";
export { createAndWaitForCluster } from "./create-and-wait-for-cluster.ts";

// The JSON-line logger of @openmcp-ts/kube, as this package has always re-exported it
export { createLogger, parseLogLevel, type Logger, type LogLevel } from "@openmcp-ts/kube";
