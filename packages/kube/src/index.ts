// The face of @openmcp-ts/kube: what the operator, the Action, the provider SDK, providers and the
// tests use, what the README documents, and the option types of its classes. The registry helpers
// and the field-set internals stay inside.

// REST client and API errors
export {
  ApiError,
  isNotFound,
  isWriteFenced,
  KubeClient,
  type KubeClientOptions,
  WriteFencedError,
  type ApplyObject,
} from "./kube-client.ts";
export { resourcePath, type ObjectRef } from "./resource-path.ts";

// List/watch cache and work queue
export { Informer, type CachedObject, type InformerEvent, type InformerOptions } from "./informer.ts";
export { WorkQueue, type WorkQueueMetrics, type WorkQueueOptions } from "./work-queue.ts";

// Leader election and watching another holder's Lease
export { LeaderElector } from "./leader-election.ts";
export { ForeignLeaseWatcher, type ForeignLeaseState } from "./foreign-lease-watcher.ts";

// Logging and Events
export { createLogger, parseLogLevel, type Logger, type LogLevel } from "./logger.ts";
export { recordEvent } from "./events.ts";

// Managed fields (csaupgrade-style take-over)
export {
  hasFieldsToTakeOver,
  takeOverManagedFields,
  type ManagedFieldsEntry,
} from "./upgrade-managed-fields.ts";

// Image digests from the registry
export {
  credentialsFromDockerConfig,
  resolveImageDigest,
  type RegistryCredentials,
} from "./resolve-image-digest.ts";
