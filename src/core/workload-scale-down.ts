/**
 * spec.workloadRef.scaleDown: what happens to the pods of the Deployment a Rollout takes its template from.
 * "never" leaves them; "onsuccess" scales the Deployment to 0 once the Rollout is Healthy; "progressively"
 * scales it down by as many pods as the Rollout has available, so capacity never drops while the Rollout's
 * pods take over. The Deployment is only ever scaled down, never up (a user may have scaled it on purpose).
 */
import { act, type DecideContext } from "./context.ts";
import { availableOf } from "./traffic.ts";

export function decideWorkloadScaleDown(ctx: DecideContext): void {
  const ref = ctx.rollout.spec.workloadRef;
  const workload = ctx.observed.workload;
  if (!ref || !workload || ref.scaleDown === "never") return;
  let target: number | undefined;
  if (ref.scaleDown === "onsuccess") target = ctx.status.phase === "Healthy" ? 0 : undefined;
  else target = Math.max(0, ctx.rollout.spec.replicas - ctx.observed.replicaSets.reduce((n, rs) => n + availableOf(rs), 0));
  if (target === undefined || target >= workload.replicas) return;
  const why = ref.scaleDown === "onsuccess" ? "the Rollout is Healthy" : `the Rollout has ${ctx.rollout.spec.replicas - target} of ${ctx.rollout.spec.replicas} pods available`;
  act(ctx, { kind: "Event", type: "Normal", reason: "WorkloadScaledDown", message: `Deployment ${workload.name} scaled from ${workload.replicas} to ${target}: ${why} (workloadRef.scaleDown: ${ref.scaleDown})` });
  act(ctx, { kind: "ScaleWorkload", name: workload.name, replicas: target });
}
