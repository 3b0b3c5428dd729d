/**
 * Which notifications one reconcile makes, from the Event actions its plan carried and the status it wrote.
 * Pure, so the mapping is tested without a cluster. Called only after the status write succeeded: that write is
 * what keeps decide() from announcing the same thing again, so a notification sent earlier could repeat after a
 * 409 and one sent later could be lost to a failing action.
 */
import type { Rollout, RolloutStatus } from "../../api/rollout.ts";
import type { Action } from "../../core/plan.ts";

export const NOTIFICATION_EVENTS = ["rollout-started", "step-completed", "paused", "analysis-failed", "aborted", "promoted", "completed"] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export type Notification = {
  event: NotificationEvent;
  rollout: { namespace: string; name: string };
  revision: string | undefined;
  /** 1-based canary step, as `sluice get` shows it; undefined for blue-green. */
  step: number | undefined;
  weights: { canary: number; stable: number } | undefined;
  message: string;
  /** analysis-failed only: what the analysis measured, as its failure message states it. */
  metrics?: { metric: string; value: string | undefined; condition: string | undefined }[] | undefined;
};

type EventAction = Extract<Action, { kind: "Event" }>;

/** Kubernetes Event reason → notification event. Reasons not listed (scale-downs, routing problems) notify nobody. */
const BY_REASON: Readonly<Record<string, NotificationEvent>> = {
  NewRevision: "rollout-started",
  RolloutRetried: "rollout-started",
  StepCompleted: "step-completed",
  RolloutPaused: "paused",
  InconclusiveAnalysis: "paused",
  RolloutPromoted: "promoted",
  RolloutAborted: "aborted",
};

/**
 * The metrics an analysis failure message names (src/core/analysis-runs.ts describeFailure, with the run's
 * message): `metric "NAME" failed: ... last: VALUE does not meet success condition (COND)`.
 */
export function failedMetrics(message: string): Notification["metrics"] {
  const found: NonNullable<Notification["metrics"]> = [];
  const starts = [...message.matchAll(/metric "([^"]+)" (?:failed|errored)/g)];
  starts.forEach((start, i) => {
    // Each metric's part of the message runs to the next metric's name.
    const part = message.slice(start.index, starts[i + 1]?.index ?? message.length);
    const last = /last: (.+?) does not meet (?:success|failure) condition \((.*)\)(?:;|,|$)/.exec(part);
    found.push({ metric: start[1] ?? "", value: last?.[1], condition: last?.[2] });
  });
  return found;
}

export function notificationsOf(rollout: Rollout, actions: readonly Action[], previous: RolloutStatus | undefined, status: RolloutStatus): Notification[] {
  const base = {
    rollout: { namespace: rollout.metadata.namespace ?? "default", name: rollout.metadata.name ?? "" },
    revision: status.currentPodHash,
    step: rollout.spec.strategy.canary && status.currentStepIndex !== undefined ? status.currentStepIndex + 1 : undefined,
    weights: status.canary?.weights,
  };
  const out: Notification[] = [];
  for (const action of actions) {
    if (action.kind !== "Event") continue;
    const event = BY_REASON[action.reason];
    if (!event) continue;
    if (event === "aborted" && /^analysis \S+ (failed|errored)/.test(action.message)) {
      out.push({ ...base, event: "analysis-failed", message: action.message, metrics: failedMetrics(action.message) });
    }
    out.push({ ...base, event, message: pausedWhy(action) ?? action.message });
  }
  // completed has no Kubernetes Event of its own (one would add an API write per revision): it is the status
  // reaching Healthy from a rollout under way. A Rollout's first reconcile (no phase yet) completes nothing.
  if (status.phase === "Healthy" && previous?.phase !== undefined && previous.phase !== "Healthy") {
    out.push({ ...base, event: "completed", message: status.message ?? `revision ${status.currentPodHash ?? ""} is stable and healthy` });
  }
  return out;
}

/** A pause says why: the Event's message already does ("paused at step 2/3", "... is inconclusive ..."). */
function pausedWhy(action: EventAction): string | undefined {
  return action.reason === "InconclusiveAnalysis" ? `inconclusive analysis: ${action.message}` : undefined;
}
