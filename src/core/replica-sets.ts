/** ReplicaSet bookkeeping shared by both strategies: create/scale to a target, delayed scale-down, history. */
import { act, nowIso, replicaSetFor, wakeAt, type DecideContext } from "./context.ts";

/** Ask for `hash`'s ReplicaSet at `replicas`; true when it is there and fully available. */
export function ensureReplicas(ctx: DecideContext, hash: string, replicas: number): boolean {
  const rs = replicaSetFor(ctx, hash);
  if (!rs) {
    const revision = Math.max(0, ...ctx.observed.replicaSets.map((r) => r.revision)) + 1;
    act(ctx, { kind: "CreateReplicaSet", podHash: hash, replicas, revision });
    return false;
  }
  if (rs.scaleDownDeadline !== undefined) act(ctx, { kind: "SetScaleDownDeadline", name: rs.name, deadline: null });
  if (rs.replicas !== replicas) {
    act(ctx, { kind: "ScaleReplicaSet", name: rs.name, replicas });
    return false;
  }
  return rs.availableReplicas >= replicas;
}

export function isAvailable(ctx: DecideContext, hash: string | undefined, replicas: number): boolean {
  const rs = replicaSetFor(ctx, hash);
  return rs !== undefined && rs.replicas === replicas && rs.availableReplicas >= replicas;
}

/**
 * Scale `hash` to zero once `delaySeconds` have passed. The deadline is stored on the ReplicaSet
 * (an annotation), so a controller restart neither forgets it nor starts the delay again.
 */
export function scaleDownAfter(ctx: DecideContext, hash: string, delaySeconds: number): void {
  const rs = replicaSetFor(ctx, hash);
  if (!rs || rs.replicas === 0) return;
  if (delaySeconds <= 0) {
    act(ctx, { kind: "ScaleReplicaSet", name: rs.name, replicas: 0 });
    return;
  }
  if (rs.scaleDownDeadline === undefined) {
    const deadline = new Date(ctx.now.getTime() + delaySeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    act(ctx, { kind: "SetScaleDownDeadline", name: rs.name, deadline });
    wakeAt(ctx, ctx.now.getTime() + delaySeconds * 1000);
    return;
  }
  const due = Date.parse(rs.scaleDownDeadline);
  if (!Number.isFinite(due) || ctx.now.getTime() >= due) {
    act(ctx, { kind: "ScaleReplicaSet", name: rs.name, replicas: 0 });
    act(ctx, { kind: "SetScaleDownDeadline", name: rs.name, deadline: null });
  } else wakeAt(ctx, due);
}

/** Every ReplicaSet but `keep` goes to zero after the delay; beyond revisionHistoryLimit, idle ones are deleted. */
export function retireOthers(ctx: DecideContext, keep: (string | undefined)[], delaySeconds: number): void {
  const kept = new Set(keep.filter((h): h is string => h !== undefined));
  const others = ctx.observed.replicaSets.filter((rs) => !kept.has(rs.podHash));
  for (const rs of others) scaleDownAfter(ctx, rs.podHash, delaySeconds);
  const idle = others.filter((rs) => rs.replicas === 0).sort((a, b) => b.revision - a.revision);
  for (const rs of idle.slice(ctx.rollout.spec.revisionHistoryLimit)) act(ctx, { kind: "DeleteReplicaSet", name: rs.name });
}

export { nowIso };
