/** Finding the stable and canary Services among an HTTPRoute rule's backendRefs. */
import type { RoutedServices } from "../rollout-refs.ts";
import { routerProblem, type RouterProblem } from "../types.ts";
import type { HTTPBackendRef, HTTPRouteRule } from "./schema.ts";

/**
 * A backendRef names one of our Services when its group is core ("") and its kind Service (both the
 * defaults), and it points into the Rollout's namespace: a backendRef without a namespace means the
 * HTTPRoute's own, which may differ when trafficRouting.gatewayAPI.namespace is set.
 */
export function namesService(ref: HTTPBackendRef, service: string, scope: RefScope): boolean {
  return (
    (ref.group ?? "") === "" &&
    (ref.kind ?? "Service") === "Service" &&
    ref.name === service &&
    (ref.namespace ?? scope.routeNamespace) === scope.serviceNamespace
  );
}

export type RefScope = { routeNamespace: string; serviceNamespace: string };

export type WeightedRule = {
  rule: HTTPRouteRule;
  /** Position among the route's user rules, for names and messages. */
  index: number;
  stable: HTTPBackendRef;
  canary: HTTPBackendRef | undefined;
};

/**
 * The user rules that send traffic to the stable Service: exactly the ones the router weights. A rule with
 * two backendRefs to the same one of our Services cannot be split unambiguously, so it is a problem.
 */
export function weightedRules(rules: HTTPRouteRule[], services: RoutedServices, scope: RefScope, what: string): WeightedRule[] | RouterProblem {
  const found: WeightedRule[] = [];
  for (const [index, rule] of rules.entries()) {
    const refs = rule.backendRefs ?? [];
    const stables = refs.filter((ref) => namesService(ref, services.stableService, scope));
    const canaries = refs.filter((ref) => namesService(ref, services.canaryService, scope));
    if (stables.length === 0) continue;
    if (stables.length > 1 || canaries.length > 1) {
      const service = stables.length > 1 ? services.stableService : services.canaryService;
      return routerProblem(
        "AmbiguousRouting",
        `${what} rule ${ruleLabel(rule, index)} has ${Math.max(stables.length, canaries.length)} backendRefs to Service ${service}; keep one so sluice knows which to weight`,
      );
    }
    found.push({ rule, index, stable: stables[0] as HTTPBackendRef, canary: canaries[0] });
  }
  return found;
}

export function ruleLabel(rule: HTTPRouteRule, index: number): string {
  return rule.name ? `"${rule.name}"` : `#${index}`;
}

export function noStableRuleProblem(what: string, services: RoutedServices): RouterProblem {
  return routerProblem(
    "NoStableBackend",
    `${what} has no rule with a backendRef to Service ${services.stableService}; add one with weight 100 (and ${services.canaryService} with weight 0)`,
  );
}

/** The canary backendRef added next to a stable one: same port, namespace, group and kind. */
export function canaryRefLike(stable: HTTPBackendRef, canaryService: string, weight: number): HTTPBackendRef {
  return {
    ...(stable.group !== undefined ? { group: stable.group } : {}),
    ...(stable.kind !== undefined ? { kind: stable.kind } : {}),
    name: canaryService,
    ...(stable.namespace !== undefined ? { namespace: stable.namespace } : {}),
    ...(stable.port !== undefined ? { port: stable.port } : {}),
    weight,
  };
}
