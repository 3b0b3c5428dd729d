/** The Gateway API TrafficRouter: the I/O shell around the pure HTTPRoute builder. */
import type { Rollout } from "../../api/rollout.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "../../core/routing.ts";
import { withConflictRetry, writeIfChanged } from "../kube-write.ts";
import {
  isRouterProblem,
  routerProblem,
  type KubeObject,
  type ObservedRouting,
  type RouterKubeClient,
  type RouterProblem,
  type TrafficRouter,
} from "../types.ts";
import { buildHTTPRoute, httpRouteLocation } from "./build.ts";
import { readHTTPRouteManagedRules, readHTTPRouteWeights } from "./read.ts";
import { HTTP_ROUTE_API_VERSION, type HTTPRoute } from "./schema.ts";

export function gatewayApiRouter(client: RouterKubeClient): TrafficRouter {
  async function read(rollout: Rollout): Promise<{ current: KubeObject | undefined; what: string } | RouterProblem> {
    const location = httpRouteLocation(rollout);
    if (isRouterProblem(location)) return location;
    const current = await client.get({ apiVersion: HTTP_ROUTE_API_VERSION, kind: "HTTPRoute", namespace: location.namespace, name: location.name });
    return { current, what: location.what };
  }

  /**
   * Gateway API CRDs older than v1.2 have no rule `name`, and the API server prunes it: the managed rules
   * just added would then look like user rules and be added again on every apply. Managed rules are
   * always the last ones, so they are cut off again by position, and the user is told what to upgrade.
   */
  async function undoUnnamedManagedRules(desired: HTTPRoute, stored: KubeObject, rollout: Rollout, what: string): Promise<RouterProblem | undefined> {
    const expected = readHTTPRouteManagedRules(desired, rollout).length;
    if (expected === 0 || readHTTPRouteManagedRules(stored, rollout).length === expected) return undefined;
    const cleaned = structuredClone(stored) as HTTPRoute;
    const rules = cleaned.spec.rules ?? [];
    cleaned.spec.rules = rules.slice(0, Math.max(0, rules.length - expected));
    await client.replace(cleaned);
    return routerProblem(
      "Unsupported",
      `${what} lost the rule names sluice marks its header and mirror routes with: the cluster's Gateway API CRDs are older than v1.2; upgrade them, or remove the setHeaderRoute/setMirrorRoute steps`,
    );
  }

  async function apply(rollout: Rollout, want: DesiredRouting): Promise<RouterProblem | undefined> {
    return withConflictRetry(async () => {
      const found = await read(rollout);
      if (isRouterProblem(found)) return found;
      const desired = buildHTTPRoute(found.current, rollout, want);
      if (isRouterProblem(desired)) return desired;
      const outcome = await writeIfChanged(client, found.current, desired);
      if (outcome.verb === "unchanged") return undefined;
      return undoUnnamedManagedRules(desired, outcome.stored, rollout, found.what);
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
