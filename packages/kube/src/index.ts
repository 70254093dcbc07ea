export * from "./kube-client.ts";
export * from "./informer.ts";
export * from "./work-queue.ts";
export * from "./resource-path.ts";
export * from "./leader-election.ts";
export * from "./logger.ts";
export * from "./upgrade-managed-fields.ts";
export * from "./foreign-lease-watcher.ts";
