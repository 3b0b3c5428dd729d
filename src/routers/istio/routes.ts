/** Which http routes of a VirtualService the Rollout weights. */
import { routerProblem, isRouterProblem, type RouterProblem } from "../types.ts";
import { noStableRouteProblem, routeLabel, weightedRoute, type IstioTarget, type WeightedRoute } from "./destinations.ts";
import type { IstioHTTPRoute } from "./schema.ts";

/**
 * The routes named in `virtualService.routes` (each must exist and send to stable), or, when none are
 * named, every route that sends to stable. Routes for other services are never touched.
 */
export function targetRoutes(userRoutes: IstioHTTPRoute[], target: IstioTarget): WeightedRoute[] | RouterProblem {
  const found: WeightedRoute[] = [];
  if (target.routeNames) {
    for (const name of target.routeNames) {
      const index = userRoutes.findIndex((route) => route.name === name);
      const route = userRoutes[index];
      if (!route) {
        const names = userRoutes.flatMap((candidate) => (candidate.name ? [`"${candidate.name}"`] : []));
        return routerProblem(
          "RouteNotFound",
          `${target.what} has no http route named "${name}" (it has ${names.length > 0 ? names.join(", ") : "no named routes"}); add it or fix trafficRouting.istio.virtualService.routes`,
        );
      }
      const weighted = weightedRoute(route, routeLabel(route, index), target);
      if (isRouterProblem(weighted)) return weighted;
      if (!weighted) return noStableRouteProblem({ ...target, routeNames: [name] });
      found.push(weighted);
    }
    return found;
  }
  for (const [index, route] of userRoutes.entries()) {
    const weighted = weightedRoute(route, routeLabel(route, index), target);
    if (isRouterProblem(weighted)) return weighted;
    if (weighted) found.push(weighted);
  }
  return found.length > 0 ? found : noStableRouteProblem(target);
}
