export * from "./define-provider.ts";
export * from "./logger.ts";
export * from "./register-resources.ts";
export * from "./install-crds.ts";
export * from "./create-and-wait-for-cluster.ts";
