/**
 * Controller pauses (a pause step, a blue-green pause, an inconclusive analysis) are stored as a
 * pauseCondition plus controllerPause: true. `sluice promote` removes the pauseConditions; the controller
 * then sees controllerPause with no condition left and knows the user let it go on. All of it is in
 * status, so a restart neither loses a pause nor restarts its timer.
 */
import type { RolloutStatus } from "../api/rollout.ts";
import { nowIso, type DecideContext } from "./context.ts";

export type PauseReason = NonNullable<RolloutStatus["pauseConditions"]>[number]["reason"];

export type PauseState = { state: "none" } | { state: "paused"; since: number } | { state: "promoted" };

export function pauseState(ctx: DecideContext, reason: PauseReason): PauseState {
  const condition = ctx.status.pauseConditions?.find((p) => p.reason === reason);
  if (condition) return { state: "paused", since: Date.parse(condition.startTime) };
  if (ctx.status.controllerPause) return { state: "promoted" };
  return { state: "none" };
}

export function startPause(ctx: DecideContext, reason: PauseReason): number {
  const existing = ctx.status.pauseConditions?.find((p) => p.reason === reason);
  if (existing) return Date.parse(existing.startTime);
  ctx.status.pauseConditions = [...(ctx.status.pauseConditions ?? []), { reason, startTime: nowIso(ctx) }];
  ctx.status.controllerPause = true;
  return ctx.now.getTime();
}

/** Forget controller pauses (the step they belonged to is done). A user pause (spec.paused) is kept. */
export function endControllerPauses(ctx: DecideContext): void {
  const kept = (ctx.status.pauseConditions ?? []).filter((p) => p.reason === "UserPause");
  ctx.status.pauseConditions = kept.length > 0 ? kept : undefined;
  ctx.status.controllerPause = undefined;
}

/** spec.paused is the user's pause: mirror it as a UserPause condition. True when paused. */
export function applyUserPause(ctx: DecideContext): boolean {
  const others = (ctx.status.pauseConditions ?? []).filter((p) => p.reason !== "UserPause");
  const existing = ctx.status.pauseConditions?.find((p) => p.reason === "UserPause");
  if (ctx.rollout.spec.paused) {
    ctx.status.pauseConditions = [...others, existing ?? { reason: "UserPause", startTime: nowIso(ctx) }];
    return true;
  }
  ctx.status.pauseConditions = others.length > 0 ? others : undefined;
  return false;
}
