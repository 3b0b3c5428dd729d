/**
 * dynamicStableScale (with a router only): the stable ReplicaSet is sized to its traffic share instead of
 * staying at spec.replicas, so a canary does not double the pods. The hazard is order, and two rules keep it:
 * stable shrinks only to the share of the weight the router is *seen* at (traffic moves to the canary first),
 * and traffic moves back to stable only as far as stable's available pods can carry it (on abort, stable is
 * scaled up and becomes available first). Invariant (g) in src/core/invariants.ts checks the second rule.
 */
import type { CanaryStrategy, Rollout } from "../../api/rollout.ts";
import type { Observed } from "../observed.ts";
import type { DesiredRouting } from "../routing.ts";
import { availableFor, routedHash } from "../traffic.ts";

export const dynamicStable = (canary: CanaryStrategy): boolean => canary.dynamicStableScale && canary.trafficRouting !== undefined;

/** Stable pods for `canaryWeight`% on the canary: all of them, or with dynamicStableScale ceil(total x stable share). */
export function stableReplicasFor(canary: CanaryStrategy, total: number, canaryWeight: number): number {
  if (!dynamicStable(canary)) return total;
  return Math.ceil((total * (100 - Math.min(100, Math.max(0, canaryWeight)))) / 100);
}

/** The largest stable weight (%) that `stableAvailable` of `total` pods can carry. */
export function stableCapacity(total: number, stableAvailable: number): number {
  if (total <= 0) return 100;
  return Math.min(100, Math.floor((100 * stableAvailable) / total));
}

/**
 * `want`, or, when it would send stable more traffic than its available pods carry, the nearest weight that does
 * not: more canary weight, but never more than the router sends the canary now (`seenWeight`; unknown: no more
 * than the canary's available pods carry), and none to a canary without available pods (invariant (a)): when
 * neither side can take it, stable, which served before, does.
 */
export function withinStableCapacity(canary: CanaryStrategy, total: number, available: { stable: number; canary: number }, seenWeight: number | undefined, want: DesiredRouting): DesiredRouting {
  if (!dynamicStable(canary)) return want;
  const floor = 100 - stableCapacity(total, available.stable);
  if (want.canaryWeight >= floor) return want;
  const canaryWeight = available.canary === 0 ? 0 : Math.min(seenWeight ?? stableCapacity(total, available.canary), floor);
  return canaryWeight <= want.canaryWeight ? want : { ...want, canaryWeight };
}

/**
 * The available pods behind each side (its Service, or its DestinationRule subset), which is where the router's
 * weights land (after a promotion the stable side already selects the new pods). A canary side on stable's pods
 * adds nothing to the canary.
 */
export function sideAvailability(rollout: Rollout, state: Observed): { stable: number; canary: number } {
  // By Service pin, or by DestinationRule subset (Istio subset mode needs no Services).
  const stableSide = routedHash(rollout, state, "stable") ?? rollout.status?.stableRS;
  const canarySide = routedHash(rollout, state, "canary");
  return { stable: availableFor(state, stableSide), canary: canarySide === undefined || canarySide === stableSide ? 0 : availableFor(state, canarySide) };
}
