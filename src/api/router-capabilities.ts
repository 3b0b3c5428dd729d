/** What each traffic router can do beyond weights; lint, the controller and the routers share this table. */
import type { RouterType } from "./traffic-routing.ts";

export type RouterCapabilities = { headerRoutes: boolean; mirrorRoutes: boolean; maxHeaderMatches: number };

export const ROUTER_CAPABILITIES: Record<RouterType, RouterCapabilities> = {
  gatewayAPI: { headerRoutes: true, mirrorRoutes: true, maxHeaderMatches: 16 },
  // ingress-nginx routes a canary by one header (canary-by-header[-value|-pattern]) and has no canary mirror.
  nginx: { headerRoutes: true, mirrorRoutes: false, maxHeaderMatches: 1 },
  istio: { headerRoutes: true, mirrorRoutes: true, maxHeaderMatches: 16 },
  smi: { headerRoutes: false, mirrorRoutes: false, maxHeaderMatches: 0 },
};

export const ROUTERS_WITH = (capability: "headerRoutes" | "mirrorRoutes"): string =>
  Object.entries(ROUTER_CAPABILITIES)
    .filter(([, caps]) => caps[capability])
    .map(([name]) => name)
    .join(", ");
