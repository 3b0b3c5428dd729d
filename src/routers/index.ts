/** The routers' public surface: what the controller (and later the CLI) imports. */
export { routerFor, type RouterOptions } from "./router-for.ts";
export {
  isRouterProblem,
  routerProblem,
  type KubeObject,
  type ObjectRef,
  type ObservedRouting,
  type RoutedWeights,
  type RouterContext,
  type RouterKubeClient,
  type RouterProblem,
  type RouterProblemCode,
  type TrafficRouter,
} from "./types.ts";
export { splitFor } from "./weights.ts";

export { buildHTTPRoute } from "./gateway-api/build.ts";
export { readHTTPRouteManagedRules, readHTTPRouteWeights } from "./gateway-api/read.ts";
export { gatewayApiRouter } from "./gateway-api/router.ts";

export { buildCanaryIngress, createCanaryIngress, canaryIngressName } from "./nginx/canary-ingress.ts";
export { canaryIngressConflict } from "./nginx/conflicts.ts";
export { readCanaryIngressWeights } from "./nginx/read.ts";
export { nginxRouter } from "./nginx/router.ts";

export { buildVirtualService } from "./istio/build.ts";
export { buildDestinationRule } from "./istio/destination-rule.ts";
export { readVirtualServiceManagedRoutes, readVirtualServiceWeights } from "./istio/read.ts";
export { istioRouter, type IstioRouterOptions } from "./istio/router.ts";

export { buildTrafficSplit } from "./smi/build.ts";
export { readTrafficSplitWeights } from "./smi/read.ts";
export { smiRouter, type SmiRouterOptions } from "./smi/router.ts";

