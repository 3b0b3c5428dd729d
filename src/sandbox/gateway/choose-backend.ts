/**
 * The pure routing decision of the sandbox gateway, for one HTTPRoute as sluice writes it: the most
 * specific matching rule wins (sluice's header rules are more specific than the user rule they copy),
 * then one of its backendRefs is picked in proportion to the weights, and each RequestMirror filter of
 * the rule copies its `percent` (or `fraction`) of requests to its backend. No I/O: the caller resolves
 * the chosen Service to an endpoint.
 */
import type { HTTPBackendRef, HTTPRoute, HTTPRouteRule } from "../../routers/gateway-api/schema.ts";
import { compareSpecificity, matchSpecificity, type GatewayRequest, type Specificity } from "./match.ts";

export type { GatewayRequest } from "./match.ts";

/** A Service and port a request goes to. */
export interface BackendTarget {
  readonly namespace: string;
  readonly name: string;
  /** The Service port; undefined = the Service's only (first) port. */
  readonly port: number | undefined;
}

export type RouteDecision =
  | { readonly kind: "backend"; readonly rule: string; readonly backend: BackendTarget; readonly mirrors: readonly BackendTarget[] }
  /** No rule matches: 404, as the spec asks. */
  | { readonly kind: "no-match" }
  /** A rule matched but cannot send anywhere (all weights 0, or the picked ref is not a Service): 500. */
  | { readonly kind: "no-backend"; readonly rule: string; readonly reason: string };

import { seededRandom, type Random } from "../../util/seeded-random.ts";

export { seededRandom, type Random };

function ruleLabel(rule: HTTPRouteRule, index: number): string {
  return rule.name ?? `#${index}`;
}

/** The winning rule: highest specificity over all of its matches; on a tie the earlier rule. */
export function matchingRule(route: HTTPRoute, request: GatewayRequest): { rule: HTTPRouteRule; index: number } | undefined {
  let best: { rule: HTTPRouteRule; index: number; specificity: Specificity } | undefined;
  for (const [index, rule] of (route.spec.rules ?? []).entries()) {
    // A rule without matches matches everything, as PathPrefix "/".
    for (const match of rule.matches && rule.matches.length > 0 ? rule.matches : [{}]) {
      const specificity = matchSpecificity(match, request);
      if (specificity && (!best || compareSpecificity(specificity, best.specificity) > 0)) best = { rule, index, specificity };
    }
  }
  return best;
}

function isService(ref: { group?: string | undefined; kind?: string | undefined }): boolean {
  return (ref.group ?? "") === "" && (ref.kind ?? "Service") === "Service";
}

function targetOf(ref: { name: string; namespace?: string | undefined; port?: number | undefined }, routeNamespace: string): BackendTarget {
  return { namespace: ref.namespace ?? routeNamespace, name: ref.name, port: ref.port };
}

/** One backendRef, chosen with probability weight/total (weight defaults to 1). */
export function pickWeighted(refs: readonly HTTPBackendRef[], random: Random): HTTPBackendRef | undefined {
  const total = refs.reduce((sum, ref) => sum + (ref.weight ?? 1), 0);
  if (total <= 0) return undefined;
  let point = random() * total;
  for (const ref of refs) {
    point -= ref.weight ?? 1;
    if (point < 0) return ref;
  }
  // Floating-point edge: the last ref with weight.
  return [...refs].reverse().find((ref) => (ref.weight ?? 1) > 0);
}

interface MirrorSpec {
  backendRef: { group?: string; kind?: string; name: string; namespace?: string; port?: number };
  share: number;
}

/** RequestMirror filters: `percent` (0-100), or `fraction` {numerator, denominator=100}; neither = all. */
function mirrorsOf(rule: HTTPRouteRule): MirrorSpec[] {
  const out: MirrorSpec[] = [];
  for (const filter of rule.filters ?? []) {
    if (filter.type !== "RequestMirror") continue;
    const spec = filter["requestMirror"] as { backendRef?: MirrorSpec["backendRef"]; percent?: number; fraction?: { numerator?: number; denominator?: number } } | undefined;
    if (!spec?.backendRef || typeof spec.backendRef.name !== "string") continue;
    let share = 1;
    if (typeof spec.percent === "number") share = spec.percent / 100;
    else if (spec.fraction && typeof spec.fraction.numerator === "number") share = spec.fraction.numerator / (spec.fraction.denominator ?? 100);
    out.push({ backendRef: spec.backendRef, share });
  }
  return out;
}

export function chooseBackend(route: HTTPRoute, request: GatewayRequest, random: Random): RouteDecision {
  const routeNamespace = route.metadata.namespace ?? "default";
  const found = matchingRule(route, request);
  if (!found) return { kind: "no-match" };
  const rule = ruleLabel(found.rule, found.index);
  const picked = pickWeighted(found.rule.backendRefs ?? [], random);
  if (!picked) return { kind: "no-backend", rule, reason: "no backendRef with a weight above 0" };
  // The spec keeps an invalid ref's share of traffic and answers it with 500, rather than redistributing.
  if (!isService(picked)) return { kind: "no-backend", rule, reason: `backendRef ${picked.name} is not a core Service` };
  const mirrors = mirrorsOf(found.rule)
    .filter((m) => isService(m.backendRef) && random() < m.share)
    .map((m) => targetOf(m.backendRef, routeNamespace));
  return { kind: "backend", rule, backend: targetOf(picked, routeNamespace), mirrors };
}
