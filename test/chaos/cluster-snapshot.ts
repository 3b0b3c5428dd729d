/**
 * One consistent view of a Rollout's production path, read from the sandbox API server's store in a single
 * synchronous pass. The store lives in this process and is only changed by code running on this thread, so no
 * write can land between the reads: the view is a state the cluster really was in, never a mix of two
 * instants (which would report violations that never existed). The objects are projected exactly as the
 * controller projects them (observe.ts, the Gateway API router's read-back), so the invariants judge the same
 * shapes decide() is judged on.
 */
import { parseSluiceObject } from "../../src/api/objects.ts";
import type { Rollout } from "../../src/api/rollout.ts";
import { ROLLOUT_LABEL } from "../../src/controller/labels.ts";
import { namedServices, observedReplicaSet, observedRouting, observedService } from "../../src/controller/observe.ts";
import type { Observed, ObservedReplicaSet } from "../../src/core/observed.ts";
import type { KubeObject } from "../../src/kube/kube-object.ts";
import { httpRouteLocation } from "../../src/routers/gateway-api/build.ts";
import { readHTTPRouteManagedRules, readHTTPRouteWeights } from "../../src/routers/gateway-api/read.ts";
import { httpRouteSchema } from "../../src/routers/gateway-api/schema.ts";
import { isRouterProblem } from "../../src/routers/types.ts";
import type { Store } from "../../src/sandbox/apiserver/store.ts";

/** Storage keys of the sandbox store (`plural.group`). */
export const STORED = {
  rollouts: "rollouts.sluice.dev",
  replicaSets: "replicasets.apps",
  services: "services",
  httpRoutes: "httproutes.gateway.networking.k8s.io",
  analysisRuns: "analysisruns.sluice.dev",
} as const;

/** What a snapshot reads: a write to any of these is a new state to judge. */
export const SNAPSHOT_SOURCES: ReadonlySet<string> = new Set([STORED.rollouts, STORED.replicaSets, STORED.services, STORED.httpRoutes]);

export type RouteRule = { name: string; weights: number[] };

export type ClusterSnapshot = {
  rollout: Rollout;
  observed: Observed;
  /** The weighted rules of the Rollout's HTTPRoute (those naming its stable or canary Service), as stored. */
  routeRules: RouteRule[];
};

/** The store holds Kubernetes objects; the projections read them through their own zod schemas. */
const asKubeObject = (obj: unknown): KubeObject => obj as KubeObject;

function weightedRules(route: unknown, services: (string | undefined)[]): RouteRule[] {
  const parsed = httpRouteSchema.safeParse(route);
  if (!parsed.success) return [];
  return (parsed.data.spec.rules ?? []).flatMap((rule, index) => {
    const refs = rule.backendRefs ?? [];
    if (!refs.some((ref) => services.includes(ref.name))) return [];
    // Gateway API: a backendRef without a weight has weight 1.
    return [{ name: `HTTPRoute ${parsed.data.metadata.name} rule ${rule.name ?? `#${index}`}`, weights: refs.map((ref) => ref.weight ?? 1) }];
  });
}

/** undefined while the Rollout does not exist or does not parse (nothing to judge yet). */
export function readSnapshot(store: Store, namespace: string, name: string): ClusterSnapshot | undefined {
  const parsed = parseSluiceObject(store.get(STORED.rollouts, namespace, name));
  if (parsed.status !== "valid" || parsed.object.kind !== "Rollout") return undefined;
  const rollout = parsed.object.value;
  const replicaSets = store
    .list(STORED.replicaSets, namespace)
    .map(asKubeObject)
    .filter((rs) => rs.metadata.labels?.[ROLLOUT_LABEL] === name)
    .map(observedReplicaSet)
    .filter((rs): rs is ObservedReplicaSet => rs !== undefined);
  const services: Observed["services"] = {};
  for (const ref of namedServices(rollout)) {
    const svc = store.get(STORED.services, namespace, ref.name);
    if (svc) services[ref.name] = observedService(ref.name, asKubeObject(svc));
  }
  let routing: Observed["routing"];
  let routeRules: RouteRule[] = [];
  const canary = rollout.spec.strategy.canary;
  if (canary?.trafficRouting?.gatewayAPI) {
    const location = httpRouteLocation(rollout);
    const route = isRouterProblem(location) ? undefined : store.get(STORED.httpRoutes, location.namespace, location.name);
    const weights = readHTTPRouteWeights(route, rollout);
    routing = observedRouting(isRouterProblem(weights) ? weights : { weights, managedRoutes: readHTTPRouteManagedRules(route, rollout) });
    routeRules = weightedRules(route, [canary.stableService, canary.canaryService]);
  }
  return { rollout, observed: { replicaSets, services, routing, analysisRuns: [], missingReferences: [] }, routeRules };
}
