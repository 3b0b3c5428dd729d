/**
 * Where production traffic goes, read from an observed state: which Services (or, with Istio by subset, which
 * DestinationRule subsets) receive it and which pods they select. decide() asks it before every change that could take pods away from traffic, and the invariant
 * checks (src/core/invariants.ts) ask it of every state a test world or the chaos suite reaches. An unknown
 * router state counts as "traffic everywhere it could be", so doubt never permits a scale-down.
 */
import type { CanaryStrategy, Rollout } from "../api/rollout.ts";
import type { Observed, ObservedReplicaSet } from "./observed.ts";
import { availabilityFloor, fenceposts, unavailableOf, type Fenceposts } from "./scaling.ts";

export type TrafficPath = {
  /** "Service web-stable (stable, 80%)": for messages. */
  via: string;
  service: string | undefined;
  /** The pod-template hash the path selects; undefined = every pod of the rollout (an unpinned Service). */
  podHash: string | undefined;
};

/** Pods that can serve now: a ReplicaSet's status may lag its spec, so never more than spec.replicas. */
export const availableOf = (rs: ObservedReplicaSet | undefined): number => (rs ? Math.max(0, Math.min(rs.replicas, rs.availableReplicas)) : 0);

export function availableFor(state: Observed, podHash: string | undefined): number {
  const sets = podHash === undefined ? state.replicaSets : state.replicaSets.filter((rs) => rs.podHash === podHash);
  return sets.reduce((n, rs) => n + availableOf(rs), 0);
}

const pinOf = (state: Observed, service: string) => state.services[service]?.podHash;

type Side = "stable" | "canary";

/**
 * One routed side of a canary: by DestinationRule subset, the hash the subset is read back pinned to (what Istio
 * routes by; unpinned = every pod); by Service, its selector's pin. Subsets not read back (router state unknown)
 * count as the Service the strategy names beside them, else every pod: doubt never permits a scale-down.
 */
function routedSide(canary: CanaryStrategy, state: Observed, side: Side): Omit<TrafficPath, "via"> & { name: string } | undefined {
  const service = side === "stable" ? canary.stableService : canary.canaryService;
  const rule = canary.trafficRouting?.istio?.destinationRule;
  if (rule) {
    const subsets = state.routing?.ok ? state.routing.subsets : undefined;
    const podHash = subsets ? subsets[side] : service ? pinOf(state, service) : undefined;
    return { name: `DestinationRule ${rule.name} subset ${side === "stable" ? rule.stableSubsetName : rule.canarySubsetName}`, service, podHash };
  }
  return service ? { name: `Service ${service}`, service, podHash: pinOf(state, service) } : undefined;
}

/** The hash one side of a routed canary selects in `state`, by Service or by subset (undefined: every pod, or no such side). */
export function routedHash(rollout: Rollout, state: Observed, side: Side): string | undefined {
  const canary = rollout.spec.strategy.canary;
  return canary ? routedSide(canary, state, side)?.podHash : undefined;
}

export const routedStableHash = (rollout: Rollout, state: Observed): string | undefined => routedHash(rollout, state, "stable");

/** The production paths of the rollout's traffic in `state`. */
export function trafficPaths(rollout: Rollout, state: Observed): TrafficPath[] {
  const { canary, blueGreen } = rollout.spec.strategy;
  if (blueGreen) return [{ via: `Service ${blueGreen.activeService} (active)`, service: blueGreen.activeService, podHash: pinOf(state, blueGreen.activeService) }];
  if (!canary) return [];
  if (!canary.trafficRouting) {
    // Without a router production goes through the application's own Service, which selects every pod by label;
    // stableService and canaryService (pinned to one version each) only address the versions, as in Argo Rollouts.
    return [{ via: "the pods of every version (no traffic router)", service: undefined, podHash: undefined }];
  }
  const routing = state.routing;
  const known = routing?.ok === true;
  const weight = known ? routing.canaryWeight : undefined;
  const share = (side: Side, percent: number) => `${side}${weight === undefined ? ", router state unknown" : `, ${percent}%`}`;
  const paths: TrafficPath[] = [];
  const stable = routedSide(canary, state, "stable");
  if (stable && (weight === undefined || weight < 100)) {
    paths.push({ via: `${stable.name} (${share("stable", 100 - (weight ?? 0))})`, service: stable.service, podHash: stable.podHash });
  }
  const managedRoutes = known ? routing.managedRoutes.length > 0 : true;
  const toCanary = routedSide(canary, state, "canary");
  if (toCanary && (weight === undefined || weight > 0 || managedRoutes)) {
    paths.push({ via: `${toCanary.name} (${share("canary", weight ?? 0)})`, service: toCanary.service, podHash: toCanary.podHash });
  }
  return paths;
}

/**
 * True when some production path selects pods of `podHash`. A path that selects every pod (no router) reaches
 * a ReplicaSet only while it has pods; such ReplicaSets shrink through boundedScale, never all at once.
 */
export function receivesTraffic(rollout: Rollout, state: Observed, podHash: string): boolean {
  const rs = state.replicaSets.find((r) => r.podHash === podHash);
  const hasPods = rs !== undefined && (rs.replicas > 0 || rs.availableReplicas > 0);
  return trafficPaths(rollout, state).some((p) => p.podHash === podHash || (p.podHash === undefined && hasPods));
}

/** True when production traffic reaches `service` now. */
export function serviceReceivesTraffic(rollout: Rollout, state: Observed, service: string): boolean {
  return trafficPaths(rollout, state).some((p) => p.service === service);
}

export function rolloutFenceposts(rollout: Rollout): Fenceposts {
  const { canary, blueGreen } = rollout.spec.strategy;
  const total = rollout.spec.replicas;
  if (canary) return fenceposts(total, canary.maxSurge, canary.maxUnavailable);
  // Blue-green surges by design (a whole second version); only maxUnavailable applies, at the switch.
  return { maxSurge: 0, maxUnavailable: unavailableOf(total, blueGreen?.maxUnavailable ?? 0) };
}

/** Pods that must stay available on the production paths. */
export const rolloutFloor = (rollout: Rollout): number => availabilityFloor(rollout.spec.replicas, rolloutFenceposts(rollout));

/** Available pods behind the production paths (each ReplicaSet counted once). */
export function servingAvailable(rollout: Rollout, state: Observed): number {
  const paths = trafficPaths(rollout, state);
  // A path that selects every pod by label also reaches the pods of the workloadRef Deployment, which carry
  // the same labels (that is how a Deployment is migrated without downtime); a pinned path does not.
  if (paths.some((p) => p.podHash === undefined)) return availableFor(state, undefined) + (state.workload?.availableReplicas ?? 0);
  return [...new Set(paths.map((p) => p.podHash))].reduce((n, hash) => n + availableFor(state, hash), 0);
}
