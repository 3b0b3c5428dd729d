/** What a TrafficSplit routes now: the stable and canary backends' share of the two. */
import type { Rollout } from "../../api/rollout.ts";
import { validatedCopy } from "../kube-object.ts";
import { isRouterProblem, routerProblem, type RoutedWeights, type RouterProblem } from "../types.ts";
import { percentagesOf } from "../weights.ts";
import { smiTarget } from "./build.ts";
import { backendWeight, trafficSplitSchema } from "./schema.ts";

export function readTrafficSplitWeights(current: unknown, rollout: Rollout): RoutedWeights | RouterProblem {
  const target = smiTarget(rollout);
  if (isRouterProblem(target)) return target;
  const trafficSplit = validatedCopy(trafficSplitSchema, current, target.what);
  if (isRouterProblem(trafficSplit)) return trafficSplit;
  const weightOf = (service: string) =>
    trafficSplit.spec.backends.filter((backend) => backend.service === service).reduce((sum, backend) => sum + backendWeight(backend), 0);
  const weights = percentagesOf(weightOf(target.services.canaryService), weightOf(target.services.stableService));
  if (!weights) {
    return routerProblem(
      "NoStableBackend",
      `${target.what} sends nothing to ${target.services.stableService} or ${target.services.canaryService}; add a backend for ${target.services.stableService} with weight 100`,
    );
  }
  return weights;
}
