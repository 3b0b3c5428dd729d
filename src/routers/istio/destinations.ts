/** Recognising the stable and canary destinations of a VirtualService http route. */
import type { Rollout } from "../../api/rollout.ts";
import { describeObject } from "../kube-object.ts";
import { canaryRolloutRef, routedServices, rolloutNamespace, routingOf, type RolloutRef } from "../rollout-refs.ts";
import { isRouterProblem, routerProblem, type RouterProblem } from "../types.ts";
import type { IstioDestination, IstioHTTPRoute, IstioRouteDestination } from "./schema.ts";

/**
 * How destinations are told apart: by Service host, or by DestinationRule subset of one host (the rule's:
 * undefined while it is not read, then any destination with the subset's name counts).
 */
export type DestinationMode =
  | { by: "host"; stable: string; canary: string; namespace: string }
  | { by: "subset"; stable: string; canary: string; host: string | undefined; namespace: string };

export type IstioTarget = {
  rollout: RolloutRef;
  mode: DestinationMode;
  /** http route names from trafficRouting.istio.virtualService.routes; undefined = every route naming stable. */
  routeNames: string[] | undefined;
  what: string;
};

/** By subset no Service is needed (the route's host is the DestinationRule's); by host both Services are. */
export function istioTarget(rollout: Rollout, ruleHost?: string): IstioTarget | RouterProblem {
  const routing = routingOf(rollout, "istio");
  if (isRouterProblem(routing)) return routing;
  const ref = canaryRolloutRef(rollout);
  if (isRouterProblem(ref)) return ref;
  const namespace = rolloutNamespace(rollout);
  const rule = routing.destinationRule;
  let mode: DestinationMode;
  if (rule) mode = { by: "subset", stable: rule.stableSubsetName, canary: rule.canarySubsetName, host: ruleHost, namespace };
  else {
    const services = routedServices(rollout);
    if (isRouterProblem(services)) return services;
    mode = { by: "host", stable: services.stableService, canary: services.canaryService, namespace };
  }
  const routeNames = routing.virtualService.routes && routing.virtualService.routes.length > 0 ? routing.virtualService.routes : undefined;
  return { rollout: ref, mode, routeNames, what: describeObject("VirtualService", namespace, routing.virtualService.name) };
}

/** Istio accepts a short name or the FQDN (`svc.ns.svc.cluster.local`, any cluster domain). */
function hostIs(host: string, service: string, namespace: string): boolean {
  return host === service || host === `${service}.${namespace}` || host === `${service}.${namespace}.svc` || host.startsWith(`${service}.${namespace}.svc.`);
}

/** Two spellings of one host: the DestinationRule may write `web` where the route writes `web.shop.svc.cluster.local`. */
function sameHost(host: string, ruleHost: string, namespace: string): boolean {
  const [service = ruleHost, ruleNamespace = namespace] = ruleHost.split(".");
  return host === ruleHost || hostIs(host, service, ruleNamespace);
}

/**
 * By subset, the subset name of the DestinationRule's host decides (both subsets share it); by host, the
 * Service name does, and a destination with a subset is someone else's split, not ours.
 */
export function isDestination(destination: IstioDestination, mode: DestinationMode, side: "stable" | "canary"): boolean {
  if (mode.by === "subset") return destination.subset === mode[side] && (mode.host === undefined || sameHost(destination.host, mode.host, mode.namespace));
  return destination.subset === undefined && hostIs(destination.host, mode[side], mode.namespace);
}

export type WeightedRoute = {
  route: IstioHTTPRoute;
  label: string;
  stable: IstioRouteDestination;
  canary: IstioRouteDestination | undefined;
};

export function routeLabel(route: IstioHTTPRoute, index: number): string {
  return route.name ? `"${route.name}"` : `#${index}`;
}

/** The stable/canary destinations of one route, or why the route cannot be weighted by us. */
export function weightedRoute(route: IstioHTTPRoute, label: string, target: IstioTarget): WeightedRoute | RouterProblem | undefined {
  const destinations = route.route ?? [];
  const stables = destinations.filter((entry) => isDestination(entry.destination, target.mode, "stable"));
  const canaries = destinations.filter((entry) => isDestination(entry.destination, target.mode, "canary"));
  if (stables.length === 0) return undefined;
  const side = stables.length > 1 ? "stable" : "canary";
  if (stables.length > 1 || canaries.length > 1) {
    return routerProblem("AmbiguousRouting", `${target.what} http route ${label} has more than one ${side} destination; keep one so sluice knows which to weight`);
  }
  const others = destinations.filter((entry) => !stables.includes(entry) && !canaries.includes(entry) && (entry.weight ?? 0) > 0);
  if (others.length > 0) {
    // Istio requires a route's weights to add up to 100, and sluice gives all 100 to stable + canary.
    return routerProblem(
      "AmbiguousRouting",
      `${target.what} http route ${label} also sends traffic to ${others.map((entry) => entry.destination.host).join(", ")}; move that to its own route so stable and canary can share 100`,
    );
  }
  return { route, label, stable: stables[0] as IstioRouteDestination, canary: canaries[0] };
}

/**
 * The canary destination next to a stable one: same host and port by subset; by host, the same port and
 * the same form of name (`checkout-stable.shop.svc.cluster.local` gives `checkout-canary.shop.svc.cluster.local`).
 */
export function canaryDestinationLike(stable: IstioDestination, mode: DestinationMode): IstioDestination {
  const copy = structuredClone(stable);
  if (mode.by === "subset") copy.subset = mode.canary;
  else copy.host = stable.host.startsWith(`${mode.stable}.`) ? `${mode.canary}${stable.host.slice(mode.stable.length)}` : mode.canary;
  return copy;
}

export function noStableRouteProblem(target: IstioTarget): RouterProblem {
  const stable = target.mode.by === "subset" ? `subset ${target.mode.stable}` : `host ${target.mode.stable}`;
  const which = target.routeNames ? `the http routes named ${target.routeNames.join(", ")}` : "any http route";
  return routerProblem(
    "NoStableBackend",
    `${target.what}: ${which} has no destination with ${stable}; add one with weight 100 (and the canary with weight 0)`,
  );
}
