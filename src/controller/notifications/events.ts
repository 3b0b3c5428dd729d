/**
 * Which notifications one reconcile makes, from the Event actions its plan carried and the status it wrote.
 * Pure, so the mapping is tested without a cluster. Called only after the status write succeeded: that write is
 * what keeps decide() from announcing the same thing again, so a notification sent earlier could repeat after a
 * 409 and one sent later could be lost to a failing action.
 */
import type { ReleaseReport } from "../../analysis/release-report.ts";
import type { Rollout, RolloutStatus } from "../../api/rollout.ts";
import type { Action } from "../../core/plan.ts";
import { describeVersion, versionOf } from "./version.ts";

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
  /** analysis-failed only: the metrics that failed the run, their latest value and condition (src/controller/failed-metrics.ts). */
  metrics?: { metric: string; value: string | undefined; condition: string | undefined }[] | undefined;
  /** The revision's image, and its commit and author when known (version.ts). */
  image?: string | undefined;
  commit?: string | undefined;
  author?: string | undefined;
  /**
   * completed and aborted: the revision's release report (src/analysis/release-report.ts), which needs the
   * AnalysisRuns' stored measurements; the notifier reads them and fills it in when it delivers.
   */
  report?: ReleaseReport | undefined;
  /** The report is due: completed after a new version served, and every aborted. */
  reportDue?: true | undefined;
  /** The attempt the report is about (status.retryCount): its runs are named by it. */
  retryCount?: number | undefined;
};

type EventAction = Extract<Action, { kind: "Event" }>;

/**
 * Kubernetes Event reason → notification event. StepCompleted, RolloutAborted and the phases are read below;
 * reasons not listed (scale-downs, routing problems) notify nobody. Nor do NewRevision and RolloutRetried: a
 * revision starts before any request reaches it, and rollout-started says that it now serves (below).
 */
const BY_REASON: Readonly<Record<string, NotificationEvent>> = {
  RolloutPaused: "paused",
  InconclusiveAnalysis: "paused",
  RolloutPromoted: "promoted",
};

export function notificationsOf(rollout: Rollout, actions: readonly Action[], previous: RolloutStatus | undefined, status: RolloutStatus): Notification[] {
  const base = {
    rollout: { namespace: rollout.metadata.namespace ?? "default", name: rollout.metadata.name ?? "" },
    revision: status.currentPodHash,
    step: rollout.spec.strategy.canary && status.currentStepIndex !== undefined ? status.currentStepIndex + 1 : undefined,
    weights: status.canary?.weights,
    ...definedOnly(versionOf(rollout)),
  };
  const out: Notification[] = [];
  // The first message of a rollout: the new version is read back serving production traffic (status.servingSince
  // just set, once per revision and retry), first in the list as it is first in the story.
  if (status.servingSince !== undefined && previous?.servingSince === undefined) {
    out.push({ ...base, event: "rollout-started", message: servingMessage(rollout, status) });
  }
  for (const action of actions) {
    if (action.kind !== "Event") continue;
    // decideThrough joins a step's StepCompleted into the Event of what came next ("completed step 1/2 (...);
    // paused at ..."): the Event's details list each step done, a step-completed of its own, numbered as it was.
    const completed = action.details?.completedSteps;
    for (const step of completed ?? []) out.push({ ...base, event: "step-completed", step: step.step, message: step.message });
    const rest = completed ? (action.details?.rest ?? "") : action.message;
    // The abort itself is notified from the phase below; its Event says when an analysis caused it.
    const failed = action.details?.failedAnalysis;
    if (action.reason === "RolloutAborted" && failed) out.push({ ...base, event: "analysis-failed", message: rest, metrics: failed.metrics });
    const event = BY_REASON[action.reason];
    if (event && rest !== "") out.push({ ...base, event, message: pausedWhy(action, rest) });
  }
  // aborted is the phase becoming Aborted: an abort by the user or by the progress deadline has no Event of its
  // own, and one by analysis reaches the phase a reconcile after its Event; so each abort is notified once.
  if (status.phase === "Aborted" && previous?.phase !== "Aborted") {
    out.push({ ...base, event: "aborted", message: status.message ?? "aborted", ...reportOf(status) });
  }
  // completed has no Kubernetes Event of its own (one would add an API write per revision): it is the status
  // reaching Healthy from a rollout under way (Progressing or Paused), a first deployment included.
  if (status.phase === "Healthy" && (previous?.phase === "Progressing" || previous?.phase === "Paused")) {
    // A first deployment, or a template set back to the stable one, compared no new version: no report.
    out.push({ ...base, event: "completed", message: status.message ?? `revision ${status.currentPodHash ?? ""} is stable and healthy`, ...(status.servingSince !== undefined ? reportOf(status) : {}) });
  }
  return out;
}

/** A pause says why: the Event's message already does ("paused at step 2/3", "... is inconclusive ..."). */
function pausedWhy(action: EventAction, message: string): string {
  return action.reason === "InconclusiveAnalysis" ? `inconclusive analysis: ${message}` : message;
}

const reportOf = (status: RolloutStatus) => ({ reportDue: true as const, ...(status.retryCount ? { retryCount: status.retryCount } : {}) });

const definedOnly = <T extends Record<string, unknown>>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * "acme/web:1.4.2 (commit 3f2a9c1 by Ana Lima) now serves real traffic: 5% of requests go to it (revision
 * 6d5f8c7b9)." The share is what was read back: the router's weight, the replica ratio without one (an
 * estimate: the app's Service spreads requests over pods), all of it behind blue-green's active Service.
 */
function servingMessage(rollout: Rollout, status: RolloutStatus): string {
  const version = describeVersion(versionOf(rollout), status.currentPodHash);
  const canary = rollout.spec.strategy.canary;
  const weight = status.canary?.weights?.canary;
  const share = !canary
    ? `all requests go to it through Service ${rollout.spec.strategy.blueGreen?.activeService ?? "?"}`
    : weight === undefined
      ? "requests reach it"
      : canary.trafficRouting
        ? `${weight}% of requests go to it`
        : `about ${weight}% of requests go to it (its share of the pods: no traffic router)`;
  const attempt = status.retryCount ? `, retry ${status.retryCount}` : "";
  return `${version} now serves real traffic: ${share} (revision ${status.currentPodHash ?? "?"}${attempt}).`;
}
