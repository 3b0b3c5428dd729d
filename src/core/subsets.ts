/**
 * Istio routing by DestinationRule subsets (Argo's subset-level splitting): no Service is routed to; the
 * router pins each subset to a ReplicaSet's pod-template hash and reads back which hash it selects. The core
 * says which hashes (on each Route action, so the plan can be checked before it runs) and counts a step's
 * routing as done only once the subsets are read back pinned so.
 */
import type { CanaryStrategy } from "../api/rollout.ts";
import type { DecideContext } from "./context.ts";
import type { ObservedSubsets } from "./observed.ts";

export const routesBySubset = (canary: CanaryStrategy | undefined): boolean => canary?.trafficRouting?.istio?.destinationRule !== undefined;

/**
 * Stable's subset on the stable ReplicaSet, the canary's on the current one (the stable one itself when there is
 * no canary, so it is never empty). The router moves the canary subset only while it gets no traffic, and the
 * stable one only changes after promotion has sent all traffic to the canary.
 *
 * An abort only takes traffic back: the canary subset stays on the pods it selects now. Re-pointed (a new
 * revision or a revert landed during the abort), the router would first send it nothing, all at once, which a
 * stable still scaling up (dynamicStableScale) cannot carry, and then send the rest to pods that may not exist.
 */
export function wantedSubsets(ctx: DecideContext, canary: CanaryStrategy): { subsets: ObservedSubsets } | undefined {
  if (!routesBySubset(canary)) return undefined;
  const seen = ctx.observed.routing?.ok ? ctx.observed.routing.subsets?.canary : undefined;
  // Once the template is the stable one again (a revert), there is no canary left to abort: both on stable.
  const aborting = ctx.status.abort === true && ctx.currentHash !== ctx.status.stableRS;
  const canarySubset = aborting && seen !== undefined ? seen : ctx.currentHash;
  return { subsets: { stable: ctx.status.stableRS, canary: canarySubset } };
}

/** True without subsets; with them, once the router reads them back pinned as wanted. */
export function subsetsAsWanted(ctx: DecideContext, canary: CanaryStrategy, seen: ObservedSubsets | undefined): boolean {
  const wanted = wantedSubsets(ctx, canary);
  return wanted === undefined || (seen?.stable === wanted.subsets.stable && seen?.canary === wanted.subsets.canary);
}
