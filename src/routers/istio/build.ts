/**
 * The pure Istio VirtualService builder.
 *
 * - Weights: in each target http route (those named in virtualService.routes, or every route sending to
 *   stable), the stable destination gets 100-W and the canary W; a missing canary destination is added
 *   (a copy of the stable one with the canary host or subset).
 * - Managed routes are http routes named `sluice-<rollout>-<route>` and are put FIRST, header routes then
 *   mirror routes: Istio evaluates http routes in order, so a copy after the user's catch-all would never
 *   match. Each build removes every route with our prefix and adds the wanted ones back (idempotent;
 *   ALL_TO_STABLE removes them all).
 */
import type { Rollout } from "../../api/rollout.ts";
import type { DesiredRouting, HeaderRoute, MirrorRoute } from "../../core/routing.ts";
import { validatedCopy } from "../kube-object.ts";
import { isManagedName, managedRouteName, sharedRouteName } from "../managed-names.ts";
import { isRouterProblem, routerProblem, type RouterProblem } from "../types.ts";
import { splitFor } from "../weights.ts";
import { canaryDestinationLike, istioTarget, type IstioTarget, type WeightedRoute } from "./destinations.ts";
import { headerRouteMatches, mirrorRouteMatches } from "./matches.ts";
import { targetRoutes } from "./routes.ts";
import { virtualServiceSchema, type IstioHTTPRoute, type IstioRouteDestination, type VirtualService } from "./schema.ts";

/**
 * A validated copy of the VirtualService with its user routes (managed ones set aside) and the routes among
 * them that sluice weights: what both the builder and the read-back start from.
 */
export function weightedVirtualService(current: unknown, rollout: Rollout, ruleHost?: string) {
  const target = istioTarget(rollout, ruleHost);
  if (isRouterProblem(target)) return target;
  const service = validatedCopy(virtualServiceSchema, current, target.what);
  if (isRouterProblem(service)) return service;
  const userRoutes = (service.spec.http ?? []).filter((route) => !isManagedName(target.rollout.rolloutName, route.name));
  const weighted = targetRoutes(userRoutes, target);
  if (isRouterProblem(weighted)) return weighted;
  return { target, service, userRoutes, weighted };
}

/** ruleHost: the DestinationRule's host when routing by subset (only its destinations are weighted). */
export function buildVirtualService(current: unknown, rollout: Rollout, want: DesiredRouting, ruleHost?: string): VirtualService | RouterProblem {
  const prepared = weightedVirtualService(current, rollout, ruleHost);
  if (isRouterProblem(prepared)) return prepared;
  const { target, service, userRoutes, weighted } = prepared;

  const split = splitFor(want.canaryWeight);
  for (const entry of weighted) {
    entry.stable.weight = split.stable;
    if (entry.canary) entry.canary.weight = split.canary;
    else {
      const destinations = entry.route.route as IstioRouteDestination[];
      const canary = { destination: canaryDestinationLike(entry.stable.destination, target.mode), weight: split.canary };
      destinations.splice(destinations.indexOf(entry.stable) + 1, 0, canary);
    }
  }

  const shared = sharedRouteName(want.headerRoutes, want.mirrorRoutes);
  if (shared !== undefined) {
    return routerProblem("Unsupported", `${target.what}: "${shared}" names both a header route and a mirror route; give them different names`);
  }
  const managed: IstioHTTPRoute[] = [];
  for (const headerRoute of want.headerRoutes) {
    // No conditions would mean every request goes to the canary; the core removes such routes instead.
    if (headerRoute.match.length === 0) continue;
    managed.push(...weighted.map((entry, position) => headerHttpRoute(entry, position, headerRoute, target)));
  }
  for (const mirrorRoute of want.mirrorRoutes) {
    managed.push(...weighted.map((entry, position) => mirrorHttpRoute(entry, position, mirrorRoute, target)));
  }

  service.spec.http = [...managed, ...userRoutes];
  return service;
}

/** What a managed copy keeps from the user route: retries, timeout, rewrite, headers, corsPolicy, ... */
function routeSettings(route: IstioHTTPRoute): IstioHTTPRoute {
  const {
    name: _name,
    match: _match,
    route: _route,
    mirror: _mirror,
    mirrorPercentage: _mirrorPercentage,
    mirrors: _mirrors,
    ...settings
  } = structuredClone(route);
  return settings;
}

function headerHttpRoute(entry: WeightedRoute, position: number, headerRoute: HeaderRoute, target: IstioTarget): IstioHTTPRoute {
  return {
    name: managedRouteName(target.rollout.rolloutName, headerRoute.name, position),
    match: headerRouteMatches(entry.route.match, headerRoute.match),
    route: [{ destination: canaryDestinationLike(entry.stable.destination, target.mode) }],
    ...routeSettings(entry.route),
  };
}

function mirrorHttpRoute(entry: WeightedRoute, position: number, mirrorRoute: MirrorRoute, target: IstioTarget): IstioHTTPRoute {
  const match = mirrorRouteMatches(entry.route.match, mirrorRoute.match);
  return {
    name: managedRouteName(target.rollout.rolloutName, mirrorRoute.name, position),
    ...(match ? { match } : {}),
    route: structuredClone(entry.route.route ?? []),
    mirror: canaryDestinationLike(entry.stable.destination, target.mode),
    mirrorPercentage: { value: splitFor(mirrorRoute.percentage).canary },
    ...routeSettings(entry.route),
  };
}
