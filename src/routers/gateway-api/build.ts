/**
 * The pure Gateway API builder: the HTTPRoute as it should be for a DesiredRouting.
 *
 * - Weights: in every user rule with a backendRef to the stable Service, stable gets 100-W and the canary
 *   W (a canary backendRef copying the stable one's port is added when missing). Other backendRefs, other
 *   rules, filters and unknown fields are left exactly as they were.
 * - Managed rules (header routes, mirror routes) are marked by their rule name, `sluice-<rollout>-<route>`
 *   (GEP-995 rule names, standard since v1.2). The mark lives on the rule itself, so there is no second
 *   record (an annotation or ConfigMap) that can drift from the spec when someone edits or re-applies the
 *   route; every build removes all rules carrying our prefix and adds back exactly the wanted ones, which
 *   makes it idempotent and makes reset (ALL_TO_STABLE) remove them all.
 * - Managed rules go after the user's: HTTPRoute precedence is by match specificity, not position, and a
 *   header rule (the user's match plus headers) is more specific than the rule it copies.
 */
import type { Rollout } from "../../api/rollout.ts";
import type { DesiredRouting, HeaderRoute, MirrorRoute } from "../../core/routing.ts";
import { describeObject, validatedCopy } from "../kube-object.ts";
import { isManagedName, managedRouteName, sharedRouteName } from "../managed-names.ts";
import { routedServices, rolloutNamespace, routingOf, type RoutedServices } from "../rollout-refs.ts";
import { isRouterProblem, routerProblem, type RouterProblem } from "../types.ts";
import { splitFor } from "../weights.ts";
import { canaryRefLike, noStableRuleProblem, weightedRules, type RefScope, type WeightedRule } from "./backends.ts";
import { headerRouteMatches, mirrorRouteMatches } from "./matches.ts";
import { httpRouteSchema, type HTTPBackendRef, type HTTPRoute, type HTTPRouteRule } from "./schema.ts";

/** Gateway API v1 caps an HTTPRoute at 16 rules; more is rejected by the API server. */
export const MAX_HTTPROUTE_RULES = 16;
/** ... and a match at 16 header conditions. */
export const MAX_HEADER_MATCHES = 16;

/** Where the Rollout's HTTPRoute lives and how messages name it. */
export function httpRouteLocation(rollout: Rollout): { namespace: string; name: string; what: string; scope: RefScope } | RouterProblem {
  const routing = routingOf(rollout, "gatewayAPI");
  if (isRouterProblem(routing)) return routing;
  const namespace = routing.namespace ?? rolloutNamespace(rollout);
  const scope = { routeNamespace: namespace, serviceNamespace: rolloutNamespace(rollout) };
  return { namespace, name: routing.httpRoute, what: describeObject("HTTPRoute", namespace, routing.httpRoute), scope };
}

/**
 * A validated copy of the HTTPRoute with its user rules (managed ones set aside) and the rules among them
 * that send to the stable Service: what both the builder and the read-back start from.
 */
export function weightedHTTPRoute(current: unknown, rollout: Rollout) {
  const services = routedServices(rollout);
  if (isRouterProblem(services)) return services;
  const location = httpRouteLocation(rollout);
  if (isRouterProblem(location)) return location;
  const route = validatedCopy(httpRouteSchema, current, location.what);
  if (isRouterProblem(route)) return route;
  const userRules = (route.spec.rules ?? []).filter((rule) => !isManagedName(services.rolloutName, rule.name));
  const weighted = weightedRules(userRules, services, location.scope, location.what);
  if (isRouterProblem(weighted)) return weighted;
  if (weighted.length === 0) return noStableRuleProblem(location.what, services);
  return { services, location, route, userRules, weighted };
}

export function buildHTTPRoute(current: unknown, rollout: Rollout, want: DesiredRouting): HTTPRoute | RouterProblem {
  const prepared = weightedHTTPRoute(current, rollout);
  if (isRouterProblem(prepared)) return prepared;
  const { services, location, route, userRules, weighted } = prepared;

  const split = splitFor(want.canaryWeight);
  for (const target of weighted) {
    target.stable.weight = split.stable;
    if (target.canary) target.canary.weight = split.canary;
    else {
      // Right after the stable ref, so the two read together in `kubectl get -o yaml`.
      const refs = target.rule.backendRefs as HTTPBackendRef[];
      refs.splice(refs.indexOf(target.stable) + 1, 0, canaryRefLike(target.stable, services.canaryService, split.canary));
    }
  }

  const shared = sharedRouteName(want.headerRoutes, want.mirrorRoutes);
  if (shared !== undefined) {
    return routerProblem("Unsupported", `${location.what}: "${shared}" names both a header route and a mirror route; give them different names`);
  }
  const managed: HTTPRouteRule[] = [];
  for (const headerRoute of want.headerRoutes) {
    // A header route without conditions would send everything to the canary; the core removes such routes.
    if (headerRoute.match.length === 0) continue;
    managed.push(...weighted.map((target, position) => headerRule(target, position, headerRoute, services)));
  }
  for (const mirrorRoute of want.mirrorRoutes) {
    for (const [position, target] of weighted.entries()) {
      const rule = mirrorRule(target, position, mirrorRoute, services, location.what);
      if (isRouterProblem(rule)) return rule;
      managed.push(rule);
    }
  }

  const total = userRules.length + managed.length;
  if (total > MAX_HTTPROUTE_RULES) {
    return routerProblem(
      "Unsupported",
      `${location.what} would need ${total} rules (${managed.length} for header/mirror routes), more than the ${MAX_HTTPROUTE_RULES} Gateway API allows; move other rules to another HTTPRoute or use fewer managed routes`,
    );
  }
  const crowded = managed.find((rule) => (rule.matches ?? []).some((match) => (match.headers ?? []).length > MAX_HEADER_MATCHES));
  if (crowded) {
    return routerProblem(
      "Unsupported",
      `${location.what}: managed rule ${crowded.name} would match more than ${MAX_HEADER_MATCHES} headers (the user rule's plus the route's); use fewer header conditions`,
    );
  }
  route.spec.rules = [...userRules, ...managed];
  return route;
}

/** Fields of a user rule a managed copy must not inherit: its identity, matches, backends and filters. */
function copyRuleSettings(rule: HTTPRouteRule): HTTPRouteRule {
  const { name: _name, matches: _matches, backendRefs: _backendRefs, filters: _filters, ...settings } = structuredClone(rule);
  return settings;
}

/** Requests matching the header route (within the user rule's own matches) go to the canary only. */
function headerRule(target: WeightedRule, position: number, headerRoute: HeaderRoute, services: RoutedServices): HTTPRouteRule {
  const canary = canaryRefLike(target.stable, services.canaryService, 1);
  // Keep the user's rule-level filters (rewrites, header modifiers) so the canary sees the same request.
  const filters = target.rule.filters ? { filters: structuredClone(target.rule.filters) } : {};
  return {
    name: managedRouteName(services.rolloutName, headerRoute.name, position),
    matches: headerRouteMatches(target.rule.matches, headerRoute.match),
    ...filters,
    backendRefs: [canary],
    ...copyRuleSettings(target.rule),
  };
}

/** A copy of the user rule (weights included) that also mirrors `percentage` of its requests to the canary. */
function mirrorRule(
  target: WeightedRule,
  position: number,
  mirrorRoute: MirrorRoute,
  services: RoutedServices,
  what: string,
): HTTPRouteRule | RouterProblem {
  const matches = mirrorRouteMatches(target.rule.matches, mirrorRoute.match, `${what} mirror route "${mirrorRoute.name}"`);
  if (isRouterProblem(matches)) return matches;
  const { weight: _weight, ...mirrorBackend } = canaryRefLike(target.stable, services.canaryService, 0);
  const mirrorFilter = {
    type: "RequestMirror",
    requestMirror: { backendRef: mirrorBackend, percent: splitFor(mirrorRoute.percentage).canary },
  };
  return {
    name: managedRouteName(services.rolloutName, mirrorRoute.name, position),
    matches,
    filters: [...structuredClone(target.rule.filters ?? []), mirrorFilter],
    backendRefs: structuredClone(target.rule.backendRefs ?? []),
    ...copyRuleSettings(target.rule),
  };
}
