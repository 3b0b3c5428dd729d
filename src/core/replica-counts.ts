/**
 * The replica counts of status, and its Available condition, describe the state a plan leaves, not the one it
 * was decided on. The status is written once the plan's actions are carried out, so this is what is there
 * when it lands; decided on the observation instead, every scale in a cycle was followed by a status write
 * that only moved a count, once the next reconcile saw the scale read back. Pods that can serve count at most
 * spec.replicas per ReplicaSet (availableOf): a ReplicaSet's status lags its scale-down, and counting the
 * pods it is deleting would move the counts twice more (down to the new size, then nothing).
 */
import { setCondition } from "./conditions.ts";
import { nowIso, type DecideContext } from "./context.ts";
import type { Observed } from "./observed.ts";
import type { Action } from "./plan.ts";
import { predict } from "./plan-safety.ts";
import { availableOf } from "./traffic.ts";

/** The state after `actions`, as far as it can be told now: new pods are not available yet. */
export const predictAll = (observed: Observed, actions: readonly Action[]): Observed => actions.reduce(predict, observed);

export function recordReplicaCounts(ctx: DecideContext, actions: readonly Action[]): void {
  const s = ctx.status;
  const sets = predictAll(ctx.observed, actions).replicaSets;
  s.replicas = sets.reduce((n, rs) => n + rs.replicas, 0);
  s.readyReplicas = sets.reduce((n, rs) => n + Math.min(rs.replicas, rs.readyReplicas), 0);
  s.availableReplicas = sets.reduce((n, rs) => n + availableOf(rs), 0);
  s.updatedReplicas = availableOf(sets.find((rs) => rs.podHash === ctx.currentHash));
  const total = ctx.rollout.spec.replicas;
  const stable = availableOf(sets.find((rs) => rs.podHash === s.stableRS));
  const available = stable >= total;
  setCondition(s, "Available", available, available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", `${stable}/${total} stable pods available`, nowIso(ctx));
}
