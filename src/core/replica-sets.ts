/**
 * ReplicaSet bookkeeping shared by both strategies: create or scale to a target, delayed scale-down, history.
 * Nothing here takes pods from a ReplicaSet that production traffic still reaches (src/core/traffic.ts): a
 * scale-down waits until the router or Service that sends it traffic has been read back pointing elsewhere.
 */
import { act, nowIso, replicaSetFor, wakeAt, type DecideContext } from "./context.ts";
import type { ObservedReplicaSet } from "./observed.ts";
import { availableOf, receivesTraffic } from "./traffic.ts";
import { rfc3339Seconds } from "../util/rfc3339.ts";

/** The next revision number: one more than any ReplicaSet of the rollout has. */
const nextRevision = (ctx: DecideContext): number => Math.max(0, ...ctx.observed.replicaSets.map((r) => r.revision)) + 1;

/** Scale `rs` to `replicas`; fewer pods only on the condition that the ReplicaSet is still as observed. */
function scale(ctx: DecideContext, rs: ObservedReplicaSet, replicas: number): void {
  const down = replicas < rs.replicas && rs.resourceVersion !== undefined;
  act(ctx, { kind: "ScaleReplicaSet", name: rs.name, replicas, ...(down ? { ifVersion: rs.resourceVersion } : {}) });
}

/** Ask for `hash`'s ReplicaSet at `replicas`; true when it is there and fully available. */
export function ensureReplicas(ctx: DecideContext, hash: string, replicas: number): boolean {
  const rs = replicaSetFor(ctx, hash);
  if (!rs) {
    act(ctx, { kind: "CreateReplicaSet", podHash: hash, replicas, revision: nextRevision(ctx) });
    return false;
  }
  // The scale first: its precondition is the version observed, which clearing the annotation would change.
  if (rs.replicas !== replicas) scale(ctx, rs, replicas);
  if (rs.scaleDownDeadline !== undefined) act(ctx, { kind: "SetScaleDownDeadline", name: rs.name, deadline: null });
  return rs.replicas === replicas && availableOf(rs) >= replicas;
}

/** Set `hash`'s ReplicaSet to exactly `replicas` (creating it if needed), without asking whether it is ready. */
export function setReplicas(ctx: DecideContext, hash: string, replicas: number): void {
  const rs = replicaSetFor(ctx, hash);
  if (!rs) {
    act(ctx, { kind: "CreateReplicaSet", podHash: hash, replicas, revision: nextRevision(ctx) });
    return;
  }
  if (rs.replicas !== replicas) scale(ctx, rs, replicas);
  if (rs.scaleDownDeadline !== undefined && replicas > 0) act(ctx, { kind: "SetScaleDownDeadline", name: rs.name, deadline: null });
}

export function isAvailable(ctx: DecideContext, hash: string | undefined, replicas: number): boolean {
  const rs = replicaSetFor(ctx, hash);
  if (replicas === 0) return rs === undefined || rs.replicas === 0; // none wanted: none there is fine
  return rs !== undefined && rs.replicas === replicas && availableOf(rs) >= replicas;
}

/**
 * Scale `hash` to zero once no production traffic reaches it and `delaySeconds` have passed since then. The
 * deadline is stored on the ReplicaSet (an annotation), so a restart neither forgets it nor starts it again.
 */
export function scaleDownAfter(ctx: DecideContext, hash: string, delaySeconds: number): void {
  const rs = replicaSetFor(ctx, hash);
  if (!rs || rs.replicas === 0) return;
  if (receivesTraffic(ctx.rollout, ctx.observed, hash)) {
    // Traffic came back to it (a revert) or has not left yet: no countdown while it serves.
    if (rs.scaleDownDeadline !== undefined) act(ctx, { kind: "SetScaleDownDeadline", name: rs.name, deadline: null });
    return;
  }
  if (delaySeconds <= 0) {
    scale(ctx, rs, 0);
    return;
  }
  if (rs.scaleDownDeadline === undefined) {
    const deadline = rfc3339Seconds(ctx.now.getTime() + delaySeconds * 1000);
    act(ctx, { kind: "SetScaleDownDeadline", name: rs.name, deadline });
    wakeAt(ctx, ctx.now.getTime() + delaySeconds * 1000);
    return;
  }
  const due = Date.parse(rs.scaleDownDeadline);
  if (!Number.isFinite(due) || ctx.now.getTime() >= due) {
    scale(ctx, rs, 0);
    act(ctx, { kind: "SetScaleDownDeadline", name: rs.name, deadline: null });
  } else wakeAt(ctx, due);
}

/** Every ReplicaSet but `keep` goes to zero once unserved, after the delay; beyond revisionHistoryLimit, idle ones are deleted. */
export function retireOthers(ctx: DecideContext, keep: (string | undefined)[], delaySeconds: number): void {
  const kept = new Set(keep.filter((h): h is string => h !== undefined));
  const others = ctx.observed.replicaSets.filter((rs) => !kept.has(rs.podHash));
  for (const rs of others) scaleDownAfter(ctx, rs.podHash, delaySeconds);
  deleteBeyondHistory(ctx, keep);
}

/** Idle ReplicaSets (no pods wanted, no traffic) beyond revisionHistoryLimit are deleted, oldest first. */
export function deleteBeyondHistory(ctx: DecideContext, keep: (string | undefined)[]): void {
  const kept = new Set(keep.filter((h): h is string => h !== undefined));
  const idle = ctx.observed.replicaSets
    .filter((rs) => !kept.has(rs.podHash) && rs.replicas === 0 && !receivesTraffic(ctx.rollout, ctx.observed, rs.podHash))
    .sort((a, b) => b.revision - a.revision);
  for (const rs of idle.slice(ctx.rollout.spec.revisionHistoryLimit)) act(ctx, { kind: "DeleteReplicaSet", name: rs.name });
}

export { nowIso };
