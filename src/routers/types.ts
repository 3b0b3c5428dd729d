/**
 * The contract between the controller and the traffic routers, and the small Kubernetes client the
 * routers' I/O shells are written against. The pure builders (build/read per provider) do not use the
 * client; only the shells (observe/apply/reset) do.
 */
import type { Rollout } from "../api/rollout.ts";
import type { RouterType } from "../api/traffic-routing.ts";
import type { ObservedSubsets } from "../core/observed.ts";
import type { DesiredRouting } from "../core/routing.ts";

export { isRouterProblem, routerProblem, type RouterProblem, type RouterProblemCode } from "../core/router-problem.ts";
import type { RouterProblem } from "../core/router-problem.ts";

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
  /** Routing by DestinationRule subsets: the hashes the subsets select now, read back from the rule. */
  subsets?: ObservedSubsets;
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
