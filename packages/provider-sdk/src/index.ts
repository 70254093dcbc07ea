export * from "./define-provider.ts";
export { createLogger, parseLogLevel, type Logger, type LogLevel } from "@openmcp-ts/kube";
export * from "./register-resources.ts";
export * from "./install-crds.ts";
export * from "./create-and-wait-for-cluster.ts";
