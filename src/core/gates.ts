/**
 * Gates: every place a rollout waits for a person or a clock (a pause step, an inconclusive analysis,
 * blue-green's promotion pause). Each gate has an identity, `<revision>/<what>` (revision = pod-template hash
 * plus the retry count), stored on its pauseCondition. `sluice promote` releases exactly one gate by adding its
 * identity to status.releasedGates, so one promote can never release a second gate, a later one, or one of
 * another revision or retry. All of it is in status: a restart neither loses a pause nor restarts its timer.
 */
import type { RolloutStatus } from "../api/rollout.ts";
import { nowIso, type DecideContext } from "./context.ts";

export type PauseReason = NonNullable<RolloutStatus["pauseConditions"]>[number]["reason"];
export type PauseCondition = NonNullable<RolloutStatus["pauseConditions"]>[number];

/** The revision a gate belongs to: a retry of the same template is a new revision for gates. */
export function revisionKey(status: RolloutStatus): string {
  return `${status.currentPodHash ?? ""}${status.retryCount ? `-r${status.retryCount}` : ""}`;
}

export const gateId = (status: RolloutStatus, what: string): string => `${revisionKey(status)}/${what}`;

export const stepGate = (status: RolloutStatus, index: number): string => gateId(status, `step-${index}`);

/** Background analysis held by an inconclusive run and released goes on with a fresh run: its gate is numbered. */
export function backgroundRound(status: RolloutStatus): number {
  const prefix = gateId(status, "background-");
  const rounds = (status.releasedGates ?? []).filter((g) => g.startsWith(prefix)).map((g) => Number(g.slice(prefix.length)));
  return rounds.length > 0 ? Math.max(...rounds.filter(Number.isFinite)) + 1 : 0;
}

export const backgroundGate = (status: RolloutStatus): string => gateId(status, `background-${backgroundRound(status)}`);

export function isReleased(ctx: DecideContext, gate: string): boolean {
  return ctx.status.releasedGates?.includes(gate) ?? false;
}

export type GateHold = { state: "released" } | { state: "held"; since: number; started: boolean };

/** Hold at `gate` (recording its pause condition the first time), or report that a promote released it. */
export function holdAt(ctx: DecideContext, gate: string, reason: PauseReason): GateHold {
  if (isReleased(ctx, gate)) {
    endGate(ctx, gate);
    return { state: "released" };
  }
  const existing = ctx.status.pauseConditions?.find((p) => p.gate === gate);
  if (existing) return { state: "held", since: Date.parse(existing.startTime), started: false };
  ctx.status.pauseConditions = [...(ctx.status.pauseConditions ?? []), { reason, startTime: nowIso(ctx), gate }];
  return { state: "held", since: ctx.now.getTime(), started: true };
}

/** The gate's wait is over (its timer ran out, its analysis succeeded, or it was released). */
export function endGate(ctx: DecideContext, gate: string): void {
  const kept = (ctx.status.pauseConditions ?? []).filter((p) => p.gate !== gate);
  ctx.status.pauseConditions = kept.length > 0 ? kept : undefined;
}

/** Forget every controller pause (the revision or the step they belonged to is done). A user pause is kept. */
export function endControllerPauses(ctx: DecideContext): void {
  const kept = (ctx.status.pauseConditions ?? []).filter((p) => p.reason === "UserPause");
  ctx.status.pauseConditions = kept.length > 0 ? kept : undefined;
}

/**
 * At the end of a decision: drop the pauses that no longer hold (released, of a step already passed, of another
 * revision). A gate not looked at this time (a background analysis held the steps) keeps its pause and timer.
 */
export function prunePauses(ctx: DecideContext): void {
  const prefix = `${revisionKey(ctx.status)}/`;
  const index = ctx.status.currentStepIndex ?? 0;
  const holds = (p: PauseCondition): boolean => {
    if (p.reason === "UserPause") return true;
    if (p.gate === undefined || !p.gate.startsWith(prefix) || isReleased(ctx, p.gate)) return false;
    const step = /\/step-(\d+)$/.exec(p.gate);
    return step === null || Number(step[1]) >= index;
  };
  const kept = (ctx.status.pauseConditions ?? []).filter(holds);
  ctx.status.pauseConditions = kept.length > 0 ? kept : undefined;
}

/** Released gates of other revisions can never match again: drop them so the list stays short. */
export function forgetOtherRevisions(ctx: DecideContext): void {
  const prefix = `${revisionKey(ctx.status)}/`;
  // Of the background rounds only the latest matters (it numbers the next one).
  const latestBackground = `${prefix}background-${backgroundRound(ctx.status) - 1}`;
  const kept = (ctx.status.releasedGates ?? []).filter((g) => g.startsWith(prefix) && (!g.startsWith(`${prefix}background-`) || g === latestBackground));
  ctx.status.releasedGates = kept.length > 0 ? kept : undefined;
}

/** controllerPause mirrors Argo Rollouts' field: true while a controller pause holds. Nothing reads it back. */
export function markControllerPause(ctx: DecideContext): void {
  ctx.status.controllerPause = (ctx.status.pauseConditions ?? []).some((p) => p.reason !== "UserPause") || undefined;
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
