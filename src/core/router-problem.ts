/**
 * A router's problem, one type from the router that finds it (src/routers) to decide() that reacts to it (the
 * observed routing): which rule of which object is wrong, in words that say what the user should change.
 */
/** Why a router cannot do its job, in words that name the object and what the user should change. */
export type RouterProblemCode =
  /** The router object (HTTPRoute, Ingress, VirtualService, ...) does not exist. */
  | "ObjectNotFound"
  /** The object exists but a field we must read has the wrong shape. */
  | "MalformedObject"
  /** No rule/route/path sends traffic to the stable Service (or subset), so there is nothing to weight. */
  | "NoStableBackend"
  /** A route the Rollout names (istio virtualService.routes, a DestinationRule subset) is missing. */
  | "RouteNotFound"
  /** The object routes in a way we cannot split without breaking (e.g. two stable backends in one rule). */
  | "AmbiguousRouting"
  /** Someone else's object is in the way (a canary Ingress for the same host/path, a TrafficSplit owned by another controller). */
  | "Conflict"
  /** The Rollout asks for something this router cannot express (a second nginx header, a mirror on nginx/SMI). */
  | "Unsupported"
  /** The Rollout lacks what the router needs (stableService/canaryService, trafficRouting for this router). */
  | "InvalidRollout"
  /** The object's weights disagree between rules, so there is no single answer to "what does it route now". */
  | "InconsistentWeights";

export type RouterProblem = { readonly kind: "RouterProblem"; readonly code: RouterProblemCode; readonly message: string };

export function routerProblem(code: RouterProblemCode, message: string): RouterProblem {
  return { kind: "RouterProblem", code, message };
}

export function isRouterProblem(value: unknown): value is RouterProblem {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "RouterProblem";
}
