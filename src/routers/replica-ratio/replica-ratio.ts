/**
 * Traffic by replica ratio, when there is no router: the Services select both versions' pods, so the
 * canary's share of traffic is its share of pods. Pure arithmetic; the controller scales the ReplicaSets.
 *
 * With a router, the weight is set in the router and the pod counts only have to carry it: stable keeps
 * all its replicas (so an abort has somewhere to send everything at once) and the canary runs
 * ceil(replicas x weight), or what setCanaryScale asks for.
 */
import type { CanaryStep } from "../../api/steps.ts";
import type { RoutedWeights } from "../types.ts";
import { splitFor } from "../weights.ts";

export type CanaryScale = NonNullable<CanaryStep["setCanaryScale"]>;

export type ReplicaRatioInput = {
  /** spec.replicas */
  replicas: number;
  /** The desired canary traffic weight, 0..100. */
  canaryWeight: number;
  /** The latest setCanaryScale in effect, if any. */
  canaryScale?: CanaryScale;
  /** True when a traffic router sets the weight; false = the replica ratio is the weight. */
  trafficRouted: boolean;
};

export type ReplicaRatio = {
  canaryReplicas: number;
  stableReplicas: number;
  /** The traffic split these counts give (the router's weight when trafficRouted). */
  achievedWeight: RoutedWeights;
  /** Set when the achieved weight differs from the desired one, saying why. */
  message?: string;
};

function podsFor(replicas: number, weight: number): number {
  return Math.ceil((replicas * splitFor(weight).canary) / 100);
}

/** Canary pods asked for by setCanaryScale, or by the traffic weight when it does not say. */
function scaledCanary(replicas: number, canaryWeight: number, scale: CanaryScale | undefined): number {
  if (scale?.replicas !== undefined) return Math.max(0, Math.floor(scale.replicas));
  if (scale?.weight !== undefined) return podsFor(replicas, scale.weight);
  return podsFor(replicas, canaryWeight);
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

export function replicaRatio(input: ReplicaRatioInput): ReplicaRatio {
  const replicas = Math.max(0, Math.floor(input.replicas));
  const wanted = splitFor(input.canaryWeight);
  if (input.trafficRouted) {
    return { canaryReplicas: scaledCanary(replicas, wanted.canary, input.canaryScale), stableReplicas: replicas, achievedWeight: wanted };
  }
  if (replicas === 0) {
    const none = { canary: 0, stable: 100 };
    return { canaryReplicas: 0, stableReplicas: 0, achievedWeight: none, message: "0 replicas: there is no traffic to split" };
  }

  let canary = Math.min(replicas, scaledCanary(replicas, wanted.canary, input.canaryScale));
  // Below 100% the stable version must keep serving: an unverified canary never takes all the traffic
  // early because of rounding (with 1 replica, that means no canary pod until the weight reaches 100).
  if (wanted.canary < 100 && canary === replicas && input.canaryScale === undefined) canary = replicas - 1;
  const achievedCanary = Math.round((100 * canary) / replicas);
  const achievedWeight = { canary: achievedCanary, stable: 100 - achievedCanary };
  const ratio: ReplicaRatio = { canaryReplicas: canary, stableReplicas: replicas - canary, achievedWeight };
  if (achievedCanary !== wanted.canary) {
    ratio.message = `with ${plural(replicas, "replica")}, ${wanted.canary}% canary is ${plural(canary, "pod")} = ${achievedCanary}% of traffic; use more replicas or a traffic router for finer steps`;
  }
  return ratio;
}
