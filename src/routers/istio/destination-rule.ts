/**
 * The pure DestinationRule builder: pins the stable and canary subsets to their ReplicaSets' pod-template
 * hashes, so routing by subset sends traffic to exactly the pods of each version. Only the two subsets'
 * `rollouts-pod-template-hash` label changes; their other labels and every other field stay.
 */
import { POD_TEMPLATE_HASH_LABEL } from "../../api/group.ts";
import type { Rollout } from "../../api/rollout.ts";
import { describeObject, validatedCopy } from "../kube-object.ts";
import { rolloutNamespace, routingOf } from "../rollout-refs.ts";
import { isRouterProblem, routerProblem, type RouterContext, type RouterProblem } from "../types.ts";
import { destinationRuleSchema, type DestinationRule } from "./schema.ts";

export function buildDestinationRule(current: unknown, rollout: Rollout, context: RouterContext): DestinationRule | RouterProblem {
  const routing = routingOf(rollout, "istio");
  if (isRouterProblem(routing)) return routing;
  const names = routing.destinationRule;
  if (!names) return routerProblem("InvalidRollout", `Rollout ${rolloutNamespace(rollout)}/${rollout.metadata.name} has no trafficRouting.istio.destinationRule`);
  const what = describeObject("DestinationRule", rolloutNamespace(rollout), names.name);
  if (!context.stablePodHash) {
    return routerProblem("InvalidRollout", `${what}: the Rollout has no stable ReplicaSet yet, so there is no pod-template hash to pin the subsets to`);
  }
  const rule = validatedCopy(destinationRuleSchema, current, what);
  if (isRouterProblem(rule)) return rule;

  const pins = [
    [names.stableSubsetName, context.stablePodHash],
    // No canary yet (or fully promoted): the canary subset selects the stable pods, so it is never empty.
    [names.canarySubsetName, context.canaryPodHash ?? context.stablePodHash],
  ] as const;
  for (const [subsetName, hash] of pins) {
    const subset = (rule.spec.subsets ?? []).find((candidate) => candidate.name === subsetName);
    if (!subset) {
      return routerProblem(
        "RouteNotFound",
        `${what} has no subset named "${subsetName}"; add it with the pods' labels (sluice adds ${POD_TEMPLATE_HASH_LABEL})`,
      );
    }
    subset.labels = { ...(subset.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  }
  return rule;
}
