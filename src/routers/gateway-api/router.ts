/** The Gateway API TrafficRouter: the I/O shell around the pure HTTPRoute builder. */
import type { Rollout } from "../../api/rollout.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "../../core/routing.ts";
import { withConflictRetry, writeIfChanged } from "../kube-write.ts";
import { isRouterProblem, type KubeObject, type ObservedRouting, type RouterKubeClient, type RouterProblem, type TrafficRouter } from "../types.ts";
import { buildHTTPRoute, httpRouteLocation } from "./build.ts";
import { readHTTPRouteManagedRules, readHTTPRouteWeights } from "./read.ts";
import { HTTP_ROUTE_API_VERSION } from "./schema.ts";

export function gatewayApiRouter(client: RouterKubeClient): TrafficRouter {
  async function read(rollout: Rollout): Promise<{ current: KubeObject | undefined } | RouterProblem> {
    const location = httpRouteLocation(rollout);
    if (isRouterProblem(location)) return location;
    return { current: await client.get({ apiVersion: HTTP_ROUTE_API_VERSION, kind: "HTTPRoute", namespace: location.namespace, name: location.name }) };
  }

  async function apply(rollout: Rollout, want: DesiredRouting): Promise<RouterProblem | undefined> {
    return withConflictRetry(async () => {
      const found = await read(rollout);
      if (isRouterProblem(found)) return found;
      const desired = buildHTTPRoute(found.current, rollout, want);
      if (isRouterProblem(desired)) return desired;
      await writeIfChanged(client, found.current, desired);
      return undefined;
    });
  }

  return {
    type: "gatewayAPI",
    async observe(rollout): Promise<ObservedRouting | RouterProblem> {
      const found = await read(rollout);
      if (isRouterProblem(found)) return found;
      const weights = readHTTPRouteWeights(found.current, rollout);
      if (isRouterProblem(weights)) return weights;
      return { weights, managedRoutes: readHTTPRouteManagedRules(found.current, rollout) };
    },
    apply,
    reset: (rollout) => apply(rollout, ALL_TO_STABLE),
  };
}
