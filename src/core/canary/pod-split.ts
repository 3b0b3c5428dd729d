/**
 * Without a router the pods are the traffic split: every version's pods serve through the application's own
 * Service. Moving from one split to another goes within maxSurge (never more than replicas + maxSurge pods)
 * and maxUnavailable (never fewer than replicas - maxUnavailable available), as a Deployment would.
 */
import { replicaSetFor, type DecideContext } from "../context.ts";
import { setReplicas } from "../replica-sets.ts";
import { boundedScale } from "../scaling.ts";
import { availableOf, rolloutFenceposts } from "../traffic.ts";

/**
 * One bounded step towards `targets` (listed in the order surge room is handed out; pods come off the last
 * first). True once every ReplicaSet is at its target and, where the target is above zero, fully available.
 */
export function scalePods(ctx: DecideContext, targets: { hash: string; target: number }[]): boolean {
  const total = ctx.rollout.spec.replicas;
  const sets = targets.map(({ hash, target }) => {
    const rs = replicaSetFor(ctx, hash);
    return { key: hash, replicas: rs?.replicas ?? 0, available: availableOf(rs), target, exists: rs !== undefined };
  });
  const next = boundedScale(total, rolloutFenceposts(ctx.rollout), sets);
  let done = true;
  for (const set of sets) {
    const replicas = next.get(set.key) ?? set.replicas;
    // A ReplicaSet that does not exist yet is created only once it gets pods.
    if (replicas !== set.replicas || (!set.exists && replicas > 0)) setReplicas(ctx, set.key, replicas);
    if (replicas !== set.target || set.available < set.target) done = false;
  }
  return done;
}
