/** What every router needs from the Rollout: its Services, its namespace, and how to own objects. */
import type { Rollout } from "../api/rollout.ts";
import type { TrafficRouting } from "../api/traffic-routing.ts";
import { isRouterProblem, routerProblem, type OwnerReference, type RouterProblem } from "./types.ts";

export type RoutedServices = RolloutRef & {
  stableService: string;
  canaryService: string;
};

/** Namespace used when the Rollout has none (a manifest not yet applied). */
export const DEFAULT_NAMESPACE = "default";

export function rolloutNamespace(rollout: Rollout): string {
  return rollout.metadata.namespace ?? DEFAULT_NAMESPACE;
}

export function rolloutName(rollout: Rollout): string {
  return rollout.metadata.name ?? "";
}

/** The canary Rollout a router serves: its name and namespace. */
export type RolloutRef = { rolloutName: string; namespace: string };

/** Routers only serve canary rollouts; lint refuses others, but a router must not trust that. */
export function canaryRolloutRef(rollout: Rollout): RolloutRef | RouterProblem {
  const name = rolloutName(rollout);
  const namespace = rolloutNamespace(rollout);
  if (!rollout.spec.strategy.canary) return routerProblem("InvalidRollout", `Rollout ${namespace}/${name} has no canary strategy; traffic routers only serve canary rollouts`);
  return { rolloutName: name, namespace };
}

/**
 * The stable and canary Services; lint requires both with a router (except Istio by DestinationRule subsets,
 * which routes to no Service of its own), but a router must not trust that.
 */
export function routedServices(rollout: Rollout): RoutedServices | RouterProblem {
  const ref = canaryRolloutRef(rollout);
  if (isRouterProblem(ref)) return ref;
  const canary = rollout.spec.strategy.canary;
  if (!canary?.stableService || !canary.canaryService) {
    return routerProblem(
      "InvalidRollout",
      `Rollout ${ref.namespace}/${ref.rolloutName} needs spec.strategy.canary.stableService and canaryService to route traffic`,
    );
  }
  return { ...ref, stableService: canary.stableService, canaryService: canary.canaryService };
}

/** The router block of the given type, or a problem naming what is missing. */
export function routingOf<Type extends keyof TrafficRouting>(rollout: Rollout, type: Type): NonNullable<TrafficRouting[Type]> | RouterProblem {
  const routing = rollout.spec.strategy.canary?.trafficRouting?.[type];
  if (routing === undefined || routing === null) {
    return routerProblem(
      "InvalidRollout",
      `Rollout ${rolloutNamespace(rollout)}/${rolloutName(rollout)} has no spec.strategy.canary.trafficRouting.${type}`,
    );
  }
  return routing as NonNullable<TrafficRouting[Type]>;
}

/** The ownerReference that makes an object ours (and garbage-collected with the Rollout). */
export function ownerReferenceTo(rollout: Rollout): OwnerReference {
  return {
    apiVersion: rollout.apiVersion,
    kind: rollout.kind,
    name: rolloutName(rollout),
    uid: rollout.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}
