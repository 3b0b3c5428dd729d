/** The Gateway API TrafficRouter: the I/O shell around the pure HTTPRoute builder. */
import type { Rollout } from "../../api/rollout.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "../../core/routing.ts";
import type { Logger } from "pino";
import { conflictRetryFor, withConflictRetry, writeIfChanged } from "../kube-write.ts";
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
import { HTTP_ROUTE_API_VERSION, httpRouteSchema, type HTTPRoute } from "./schema.ts";

/** The mirror percents of the rules, by rule name, as written in `requestMirror.percent`. */
function mirrorPercents(route: unknown): Map<string, unknown[]> {
  const parsed = httpRouteSchema.safeParse(route);
  const percents = new Map<string, unknown[]>();
  if (!parsed.success) return percents;
  for (const rule of parsed.data.spec.rules ?? []) {
    if (!rule.name) continue;
    const mirrors = (rule.filters ?? []).filter((filter) => filter.type === "RequestMirror");
    percents.set(rule.name, mirrors.map((filter) => (filter["requestMirror"] as { percent?: unknown } | undefined)?.percent));
  }
  return percents;
}

function mirrorPercentLost(desired: HTTPRoute, stored: unknown): boolean {
  const kept = mirrorPercents(stored);
  return [...mirrorPercents(desired)].some(([name, percents]) =>
    percents.some((percent, index) => percent !== undefined && kept.get(name)?.[index] === undefined),
  );
}

export type GatewayApiRouterOptions = { log?: Logger | undefined };

export function gatewayApiRouter(client: RouterKubeClient, options: GatewayApiRouterOptions = {}): TrafficRouter {
  async function read(rollout: Rollout): Promise<{ current: KubeObject | undefined; what: string } | RouterProblem> {
    const location = httpRouteLocation(rollout);
    if (isRouterProblem(location)) return location;
    const current = await client.get({ apiVersion: HTTP_ROUTE_API_VERSION, kind: "HTTPRoute", namespace: location.namespace, name: location.name });
    return { current, what: location.what };
  }

  /**
   * The API server prunes fields its CRD version does not know, and two of ours matter:
   * - rule `name` (GEP-995, v1.2): without it our rules look like user rules and would be added again on
   *   every apply;
   * - RequestMirror `percent` (GEP-3171): without it the canary would receive a copy of ALL requests.
   * Either way, our rules (always the last ones) are removed again and the user is told what to upgrade.
   */
  async function undoPrunedManagedRules(desired: HTTPRoute, stored: KubeObject, rollout: Rollout, what: string): Promise<RouterProblem | undefined> {
    const expected = readHTTPRouteManagedRules(desired, rollout).length;
    if (expected === 0) return undefined;
    const lost =
      readHTTPRouteManagedRules(stored, rollout).length !== expected
        ? "the rule names sluice marks its header and mirror routes with (GEP-995, Gateway API v1.2)"
        : mirrorPercentLost(desired, stored)
          ? "the RequestMirror percent field (GEP-3171), so the canary would get a copy of every request"
          : undefined;
    if (!lost) return undefined;
    const cleaned = structuredClone(stored) as HTTPRoute;
    const rules = cleaned.spec.rules ?? [];
    cleaned.spec.rules = rules.slice(0, Math.max(0, rules.length - expected));
    await client.replace(cleaned);
    return routerProblem(
      "Unsupported",
      `${what} lost ${lost}: the cluster's Gateway API CRDs are older than that; upgrade them, or remove the setHeaderRoute/setMirrorRoute steps`,
    );
  }

  async function apply(rollout: Rollout, want: DesiredRouting): Promise<RouterProblem | undefined> {
    const location = httpRouteLocation(rollout);
    const retry = conflictRetryFor(rollout, isRouterProblem(location) ? "HTTPRoute" : location.what, options.log);
    return withConflictRetry(async () => {
      const found = await read(rollout);
      if (isRouterProblem(found)) return found;
      const desired = buildHTTPRoute(found.current, rollout, want);
      if (isRouterProblem(desired)) return desired;
      const outcome = await writeIfChanged(client, found.current, desired);
      if (outcome.verb === "unchanged") return undefined;
      return undoPrunedManagedRules(desired, outcome.stored, rollout, found.what);
    }, retry);
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
