import type { KubeClient } from "./kube-client.ts";

/** A core/v1 Event about one object, as `kubectl describe` shows it. */
export interface EventRecord {
  /** Where the Event goes: the object's namespace, or one for cluster-scoped objects. */
  namespace: string;
  involvedObject: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
  };
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** The component that reports it (`source.component`, `reportingComponent`). */
  component: string;
}

/**
 * Creates the Event (best effort, as client-go's recorder: an Event that cannot be written is
 * reported to `onError` and otherwise dropped, never failing the caller).
 */
export function recordEvent(client: KubeClient, e: EventRecord, onError: (err: unknown) => void): void {
  const now = new Date().toISOString();
  const involved = Object.fromEntries(Object.entries(e.involvedObject).filter(([, v]) => v !== undefined));
  const event = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { generateName: `${e.involvedObject.name}.`, namespace: e.namespace },
    involvedObject: involved,
    reason: e.reason,
    message: e.message,
    type: e.type,
    source: { component: e.component },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    reportingComponent: e.component,
  };
  client
    .call("POST", `/api/v1/namespaces/${encodeURIComponent(e.namespace)}/events`, {
      body: event,
      verb: "create",
    })
    .catch(onError);
}
