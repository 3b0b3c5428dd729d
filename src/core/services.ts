/** Service selectors pinned to a pod-template hash: the switch that blue-green flips and canaries rely on. */
import { act, type DecideContext } from "./context.ts";
import { availableFor, serviceReceivesTraffic } from "./traffic.ts";

export function servicePinnedTo(ctx: DecideContext, service: string | undefined, hash: string | undefined): boolean {
  return service === undefined || hash === undefined || ctx.observed.services[service]?.podHash === hash;
}

/**
 * One write: the Service's selector gets rollouts-pod-template-hash=hash (only when it is not already so). A
 * Service that production traffic reaches moves only to pods that can take it: at least `need` available (and
 * at least one). True once the Service is seen selecting `hash`.
 */
export function pinService(ctx: DecideContext, service: string | undefined, hash: string | undefined, need = 1): boolean {
  if (servicePinnedTo(ctx, service, hash) || service === undefined || hash === undefined) return true;
  if (serviceReceivesTraffic(ctx.rollout, ctx.observed, service) && availableFor(ctx.observed, hash) < Math.max(1, need)) {
    ctx.waitingOnCluster = true;
    return false;
  }
  act(ctx, { kind: "PinService", service, podHash: hash });
  return false;
}
