/** The TrafficRouter for a Rollout's trafficRouting (none = replica ratio, handled by decide() itself). */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Rollout } from "../api/rollout.ts";
import type { RouterType } from "../api/traffic-routing.ts";
import { routerProblem, type TrafficRouter } from "../routers/types.ts";

/** A router type whose I/O shell this build does not have: it reports the gap instead of touching traffic. */
function unavailableRouter(type: RouterType): TrafficRouter {
  const problem = routerProblem("Unsupported", `trafficRouting.${type} is not available in this build of sluice; traffic stays where it is`);
  return { type, observe: async () => problem, apply: async () => problem, reset: async () => problem };
}

export function routerFor(rollout: Rollout, _kc: KubeConfig): TrafficRouter | undefined {
  const routing = rollout.spec.strategy.canary?.trafficRouting;
  if (!routing) return undefined;
  const type = (Object.keys(routing) as RouterType[]).find((k) => routing[k] !== undefined);
  return type ? unavailableRouter(type) : undefined;
}
