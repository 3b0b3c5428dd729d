/**
 * The working state of one decide() call. decide() is pure: this context is created fresh for each call,
 * filled with actions and the next status, and turned into a Plan.
 */
import type { Rollout, RolloutStatus } from "../api/rollout.ts";
import type { Observed, ObservedReplicaSet } from "./observed.ts";
import type { Action, Plan } from "./plan.ts";
import { safePrefix } from "./plan-safety.ts";
import { rfc3339Seconds } from "../util/rfc3339.ts";

export type DecideContext = {
  rollout: Rollout;
  observed: Observed;
  now: Date;
  /** Hash of spec.template: the revision the rollout is heading for. */
  currentHash: string;
  status: RolloutStatus;
  actions: Action[];
  /** Absolute times (ms) at which something becomes due (pause end, scale-down deadline). */
  wakeAt: number[];
  /**
   * Set while the rollout waits for the cluster (pods to become available, the router or a Service to read
   * back a write): only such waits count against progressDeadlineSeconds, never an analysis or a pause.
   */
  waitingOnCluster: boolean;
};

export function newContext(rollout: Rollout, observed: Observed, now: Date, currentHash: string): DecideContext {
  return {
    rollout,
    observed,
    now,
    currentHash,
    status: structuredClone(rollout.status ?? {}),
    actions: [],
    wakeAt: [],
    waitingOnCluster: false,
  };
}

export const act = (ctx: DecideContext, action: Action): void => void ctx.actions.push(action);

export const nowIso = (ctx: DecideContext): string => rfc3339Seconds(ctx.now);

export function wakeAt(ctx: DecideContext, atMs: number): void {
  ctx.wakeAt.push(atMs);
}

export function replicaSetFor(ctx: DecideContext, hash: string | undefined): ObservedReplicaSet | undefined {
  return hash === undefined ? undefined : ctx.observed.replicaSets.find((rs) => rs.podHash === hash);
}

export function toPlan(ctx: DecideContext): Plan {
  const now = ctx.now.getTime();
  const due = ctx.wakeAt.filter((t) => Number.isFinite(t)).map((t) => Math.max(0, t - now));
  const { actions, deferred } = safePrefix(ctx.rollout, ctx.observed, ctx.actions);
  // Deferred actions are asked for again once the earlier ones are read back: look again soon.
  if (deferred.length > 0) due.push(1000);
  return { actions, status: ctx.status, requeueAfterMs: due.length > 0 ? Math.min(...due) : undefined, ...(deferred.length > 0 ? { deferred } : {}) };
}
