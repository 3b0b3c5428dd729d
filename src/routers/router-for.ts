/** The factory the controller calls: the TrafficRouter for a Rollout's trafficRouting, if it has one. */
import type { Logger } from "pino";
import type { Rollout } from "../api/rollout.ts";
import { gatewayApiRouter } from "./gateway-api/router.ts";
import { istioRouter, type IstioRouterOptions } from "./istio/router.ts";
import { nginxRouter } from "./nginx/router.ts";
import { smiRouter, type SmiRouterOptions } from "./smi/router.ts";
import type { RouterKubeClient, TrafficRouter } from "./types.ts";

/** `log` receives the routers' conflict retries. */
export type RouterOptions = { istio?: IstioRouterOptions; smi?: SmiRouterOptions; log?: Logger | undefined };

/** Undefined when the Rollout has no trafficRouting: traffic then follows the replica ratio (src/core/weights.ts). */
export function routerFor(rollout: Rollout, client: RouterKubeClient, options: RouterOptions = {}): TrafficRouter | undefined {
  const routing = rollout.spec.strategy.canary?.trafficRouting;
  if (!routing) return undefined;
  const log = { log: options.log };
  if (routing.gatewayAPI) return gatewayApiRouter(client, log);
  if (routing.nginx) return nginxRouter(client, log);
  if (routing.istio) return istioRouter(client, { ...log, ...options.istio });
  if (routing.smi) return smiRouter(client, { ...log, ...options.smi });
  return undefined;
}
