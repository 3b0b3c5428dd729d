/**
 * The pure DestinationRule builder and read-back: pins the stable and canary subsets to their ReplicaSets'
 * pod-template hashes, so routing by subset sends traffic to exactly the pods of each version, and reads back
 * which hashes they select now (what the core's traffic model needs: src/core/traffic.ts). Only the two
 * subsets' `rollouts-pod-template-hash` label changes; their other labels and every other field stay.
 */
import { POD_TEMPLATE_HASH_LABEL } from "../../api/group.ts";
import type { Rollout } from "../../api/rollout.ts";
import type { ObservedSubsets } from "../../core/observed.ts";
import { describeObject, validatedCopy } from "../kube-object.ts";
import { rolloutNamespace, routingOf } from "../rollout-refs.ts";
import { isRouterProblem, routerProblem, type RouterContext, type RouterProblem } from "../types.ts";
import { destinationRuleSchema, type DestinationRule } from "./schema.ts";

type Subset = NonNullable<DestinationRule["spec"]["subsets"]>[number];
type Side = "stable" | "canary";

/** The rule validated, with its two subsets found (each must exist: sluice pins them, the user names them). */
function ruleSubsets(current: unknown, rollout: Rollout): { rule: DestinationRule; subsets: Record<Side, Subset>; what: string } | RouterProblem {
  const routing = routingOf(rollout, "istio");
  if (isRouterProblem(routing)) return routing;
  const names = routing.destinationRule;
  if (!names) return routerProblem("InvalidRollout", `Rollout ${rolloutNamespace(rollout)}/${rollout.metadata.name} has no trafficRouting.istio.destinationRule`);
  const what = describeObject("DestinationRule", rolloutNamespace(rollout), names.name);
  const rule = validatedCopy(destinationRuleSchema, current, what);
  if (isRouterProblem(rule)) return rule;
  const find = (subsetName: string): Subset | RouterProblem =>
    (rule.spec.subsets ?? []).find((candidate) => candidate.name === subsetName) ??
    routerProblem("RouteNotFound", `${what} has no subset named "${subsetName}"; add it with the pods' labels (sluice adds ${POD_TEMPLATE_HASH_LABEL})`);
  const stable = find(names.stableSubsetName);
  if (isRouterProblem(stable)) return stable;
  const canary = find(names.canarySubsetName);
  if (isRouterProblem(canary)) return canary;
  return { rule, subsets: { stable, canary }, what };
}

/** The rule's host (the VirtualService destinations to weight) and the hash each subset selects now. */
export function readDestinationRule(current: unknown, rollout: Rollout): { host: string | undefined; subsets: ObservedSubsets } | RouterProblem {
  const found = ruleSubsets(current, rollout);
  if (isRouterProblem(found)) return found;
  const hashOf = (side: Side) => found.subsets[side].labels?.[POD_TEMPLATE_HASH_LABEL];
  return { host: found.rule.spec.host, subsets: { stable: hashOf("stable"), canary: hashOf("canary") } };
}

export function buildDestinationRule(current: unknown, rollout: Rollout, context: RouterContext): DestinationRule | RouterProblem {
  const found = ruleSubsets(current, rollout);
  if (isRouterProblem(found)) return found;
  const { rule, subsets, what } = found;
  if (!context.stablePodHash) {
    return routerProblem("InvalidRollout", `${what}: the Rollout has no stable ReplicaSet yet, so there is no pod-template hash to pin the subsets to`);
  }
  const pins = [
    [subsets.stable, context.stablePodHash],
    // No canary yet (or fully promoted): the canary subset selects the stable pods, so it is never empty.
    [subsets.canary, context.canaryPodHash ?? context.stablePodHash],
  ] as const;
  for (const [subset, hash] of pins) subset.labels = { ...(subset.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  return rule;
}
