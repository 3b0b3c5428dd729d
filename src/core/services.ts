/** Service selectors pinned to a pod-template hash: the switch that blue-green flips and canaries rely on. */
import { act, type DecideContext } from "./context.ts";

export function servicePinnedTo(ctx: DecideContext, service: string | undefined, hash: string | undefined): boolean {
  return service === undefined || hash === undefined || ctx.observed.services[service]?.podHash === hash;
}

/** One write: the Service's selector gets rollouts-pod-template-hash=hash (only when it is not already so). */
export function pinService(ctx: DecideContext, service: string | undefined, hash: string | undefined): void {
  if (service !== undefined && hash !== undefined && !servicePinnedTo(ctx, service, hash)) act(ctx, { kind: "PinService", service, podHash: hash });
}
