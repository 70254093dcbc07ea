import {
  CONDITION_INITIALIZED,
  CONDITION_READY,
  CONDITION_STALLED,
  REASONS,
  type Condition,
} from "@openmcp-ts/contract";
import type { PlannedEvent } from "./reconcile-types.ts";
import { findCondition } from "./set-condition.ts";

/** Event reasons, CamelCase like condition reasons. */
export const EVENT_REASONS = {
  InitStarted: "InitStarted",
  InitSucceeded: "InitSucceeded",
  InitFailed: "InitFailed",
  InitPodFailed: "InitPodFailed",
  ProviderReady: "ProviderReady",
  Uninstalled: "Uninstalled",
} as const;

/** Messages that say more than the condition does; the condition message is used otherwise. */
export interface EventMessages {
  initStarted?: string;
  initSucceeded?: string;
  ready?: string;
}

function changed(before: Condition | undefined, after: Condition | undefined): boolean {
  return after !== undefined && (before?.status !== after.status || before.reason !== after.reason);
}

/**
 * Kubernetes Events for what changed between the persisted conditions and the new ones, so that a
 * pass that only confirms the current state emits nothing: init started, succeeded or failed, the
 * provider became ready, or it stalled (invalid spec, init given up, rollout deadline exceeded).
 */
export function transitionEvents(
  before: readonly Condition[] | undefined,
  after: readonly Condition[],
  messages: EventMessages = {},
): PlannedEvent[] {
  const events: PlannedEvent[] = [];
  const initBefore = findCondition(before, CONDITION_INITIALIZED);
  const initAfter = findCondition(after, CONDITION_INITIALIZED);
  if (initAfter !== undefined && changed(initBefore, initAfter)) {
    if (initAfter.reason === REASONS.InitRunning) {
      events.push({
        type: "Normal",
        reason: EVENT_REASONS.InitStarted,
        message: messages.initStarted ?? initAfter.message,
      });
    } else if (initAfter.reason === REASONS.InitCompleted) {
      events.push({
        type: "Normal",
        reason: EVENT_REASONS.InitSucceeded,
        message: messages.initSucceeded ?? initAfter.message,
      });
    } else if (initAfter.reason === REASONS.InitFailed) {
      events.push({ type: "Warning", reason: EVENT_REASONS.InitFailed, message: initAfter.message });
    }
  }
  // One Event per failed init pod: its message names the pod, so a new failure is a new message.
  if (
    initAfter?.reason === REASONS.InitPodFailed &&
    (changed(initBefore, initAfter) || initBefore?.message !== initAfter.message)
  ) {
    events.push({ type: "Warning", reason: EVENT_REASONS.InitPodFailed, message: initAfter.message });
  }

  const readyBefore = findCondition(before, CONDITION_READY);
  const readyAfter = findCondition(after, CONDITION_READY);
  if (readyAfter?.status === "True" && readyBefore?.status !== "True") {
    events.push({
      type: "Normal",
      reason: EVENT_REASONS.ProviderReady,
      message: messages.ready ?? readyAfter.message,
    });
  }

  const stalledBefore = findCondition(before, CONDITION_STALLED);
  const stalledAfter = findCondition(after, CONDITION_STALLED);
  if (stalledAfter?.status === "True" && changed(stalledBefore, stalledAfter)) {
    const duplicate = events.some(
      (e) => e.reason === stalledAfter.reason && e.message === stalledAfter.message,
    );
    if (!duplicate)
      events.push({ type: "Warning", reason: stalledAfter.reason, message: stalledAfter.message });
  }
  return events;
}
