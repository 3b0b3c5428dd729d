/**
 * The contract between the controller and the traffic routers, and the small Kubernetes client the
 * routers' I/O shells are written against. The pure builders (build/read per provider) do not use the
 * client; only the shells (observe/apply/reset) do.
 */
import type { Rollout } from "../api/rollout.ts";
import type { RouterType } from "../api/traffic-routing.ts";
import type { DesiredRouting } from "../core/routing.ts";

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

/** Integer percentages that add up to 100. */
export type RoutedWeights = { canary: number; stable: number };

/** What the cluster routes now, read back from the router's objects. */
export type ObservedRouting = {
  weights: RoutedWeights;
  /**
   * The managed routes present now, as named in the provider object (`sluice-<rollout>-<route>` rules or
   * http routes; the header name for nginx). For display: apply is level-triggered and never needs them.
   */
  managedRoutes: string[];
};

export interface TrafficRouter {
  readonly type: RouterType;
  /** Read what the cluster routes now; read-only. */
  observe(rollout: Rollout): Promise<ObservedRouting | RouterProblem>;
  /** Read → build → compare → write only when something changed; one write per object. */
  apply(rollout: Rollout, want: DesiredRouting, context?: RouterContext): Promise<RouterProblem | undefined>;
  /** 100% stable, managed routes removed. */
  reset(rollout: Rollout, context?: RouterContext): Promise<RouterProblem | undefined>;
}

/** Facts a builder needs that are not in the Rollout spec or the router object. */
export type RouterContext = {
  /** Pod-template hash of the stable ReplicaSet (Istio DestinationRule subsets). */
  stablePodHash?: string;
  /** Pod-template hash of the canary ReplicaSet; the stable one when there is no canary. */
  canaryPodHash?: string;
};

export type { KubeMetadata, KubeObject, ObjectRef, OwnerReference } from "../kube/kube-object.ts";
import type { KubeObject, ObjectRef } from "../kube/kube-object.ts";

/**
 * The only Kubernetes calls the routers make. `replace` sends the object with its resourceVersion, so a
 * concurrent change fails with a conflict (the caller retries from a fresh read) instead of being lost.
 * A conflict is thrown as an error named "ConflictError" or carrying 409 in statusCode/status/code.
 */
export interface RouterKubeClient {
  /** The object, or undefined when it does not exist (404). Other failures throw. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Every object of a kind in a namespace (for the nginx one-canary-per-host/path check). */
  list(apiVersion: string, kind: string, namespace: string): Promise<KubeObject[]>;
  create(object: KubeObject): Promise<KubeObject>;
  replace(object: KubeObject): Promise<KubeObject>;
}
