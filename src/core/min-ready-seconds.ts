/**
 * spec.minReadySeconds: how long a pod must have been Ready before its ReplicaSet counts it as available. The
 * ReplicaSet controller applies it, so sluice only writes it onto the ReplicaSets it creates and, when the
 * Rollout's value changes, onto the current revision's ReplicaSet in place. As in Argo Rollouts (and
 * Deployments) the value is not part of the pod template, so a change is not a new revision; older
 * ReplicaSets keep the value they were created with.
 */
import { act, replicaSetFor, type DecideContext } from "./context.ts";

export function keepMinReadySeconds(ctx: DecideContext): void {
  const rs = replicaSetFor(ctx, ctx.currentHash);
  const want = ctx.rollout.spec.minReadySeconds;
  if (rs === undefined || rs.minReadySeconds === undefined || rs.minReadySeconds === want) return;
  act(ctx, { kind: "SetMinReadySeconds", name: rs.name, seconds: want });
}
