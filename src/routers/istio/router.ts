/**
 * The Istio TrafficRouter: pins the DestinationRule subsets (when routing by subset), then weights the
 * VirtualService. Subsets first, so a weight never points at a subset that still selects the wrong pods; and
 * a subset that must move to other pods while the VirtualService still sends it traffic first gets none
 * (weight 0, then the subset, then the weight asked for), so no request ever reaches pods that are not its
 * version's, and a write that fails part-way leaves traffic on stable.
 */
import type { Rollout } from "../../api/rollout.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "../../core/routing.ts";
import type { Logger } from "pino";
import { conflictRetryFor, withConflictRetry, writeIfChanged } from "../kube-write.ts";
import { rolloutNamespace, routingOf } from "../rollout-refs.ts";
import { isRouterProblem, type ObservedRouting, type RouterContext, type RouterKubeClient, type RouterProblem, type TrafficRouter } from "../types.ts";
import { buildVirtualService } from "./build.ts";
import { buildDestinationRule, readDestinationRule } from "./destination-rule.ts";
import { readVirtualServiceManagedRoutes, readVirtualServiceWeights } from "./read.ts";

export type IstioRouterOptions = {
  /** networking.istio.io/v1 (Istio 1.22+); v1beta1 for older control planes. */
  apiVersion?: string;
  /** Where conflict retries are logged. */
  log?: Logger | undefined;
};

/** The hashes to pin: the caller's, else what the Rollout's status records. */
function podHashes(rollout: Rollout, context: RouterContext | undefined): RouterContext {
  const stablePodHash = context?.stablePodHash ?? rollout.status?.stableRS;
  const canaryPodHash = context?.canaryPodHash ?? rollout.status?.currentPodHash ?? stablePodHash;
  return { ...(stablePodHash ? { stablePodHash } : {}), ...(canaryPodHash ? { canaryPodHash } : {}) };
}

export function istioRouter(client: RouterKubeClient, options: IstioRouterOptions = {}): TrafficRouter {
  const apiVersion = options.apiVersion ?? "networking.istio.io/v1";

  async function apply(rollout: Rollout, want: DesiredRouting, context?: RouterContext): Promise<RouterProblem | undefined> {
    const routing = routingOf(rollout, "istio");
    if (isRouterProblem(routing)) return routing;
    const namespace = rolloutNamespace(rollout);
    const ruleName = routing.destinationRule?.name;
    // By subset only the DestinationRule host's destinations are weighted (known once the rule is read).
    let ruleHost: string | undefined;
    const weigh = (wanted: DesiredRouting) =>
      withConflictRetry(async () => {
        const current = await client.get({ apiVersion, kind: "VirtualService", namespace, name: routing.virtualService.name });
        const desired = buildVirtualService(current, rollout, wanted, ruleHost);
        if (isRouterProblem(desired)) return desired;
        await writeIfChanged(client, current, desired);
        return undefined;
      }, conflictRetryFor(rollout, `VirtualService ${namespace}/${routing.virtualService.name}`, options.log));
    if (ruleName) {
      const ruleRef = { apiVersion, kind: "DestinationRule", namespace, name: ruleName };
      const hashes = podHashes(rollout, context);
      const seen = readDestinationRule(await client.get(ruleRef), rollout);
      if (!isRouterProblem(seen)) ruleHost = seen.host;
      // The stable subset moves only at promotion, once the canary subset has all the traffic (the core routes
      // 100% before it records the new stable), so only the canary subset can move under traffic.
      const subsetMoves = isRouterProblem(seen) || seen.subsets.canary !== hashes.canaryPodHash;
      if (subsetMoves && (await sendsToCanary(rollout))) {
        const drained = await weigh(ALL_TO_STABLE);
        if (drained) return drained;
      }
      const problem = await withConflictRetry(async () => {
        const current = await client.get(ruleRef);
        const desired = buildDestinationRule(current, rollout, hashes);
        if (isRouterProblem(desired)) return desired;
        ruleHost = desired.spec.host;
        await writeIfChanged(client, current, desired);
        return undefined;
      }, conflictRetryFor(rollout, `DestinationRule ${namespace}/${ruleName}`, options.log));
      if (problem) return problem;
    }
    return weigh(want);
  }

  /** The weights, the managed routes and, by subset, the hashes the subsets select (read from the DestinationRule). */
  async function observe(rollout: Rollout): Promise<ObservedRouting | RouterProblem> {
    const routing = routingOf(rollout, "istio");
    if (isRouterProblem(routing)) return routing;
    const namespace = rolloutNamespace(rollout);
    const ruleName = routing.destinationRule?.name;
    const rule = ruleName ? readDestinationRule(await client.get({ apiVersion, kind: "DestinationRule", namespace, name: ruleName }), rollout) : undefined;
    if (isRouterProblem(rule)) return rule;
    const current = await client.get({ apiVersion, kind: "VirtualService", namespace, name: routing.virtualService.name });
    const weights = readVirtualServiceWeights(current, rollout, rule?.host);
    if (isRouterProblem(weights)) return weights;
    return { weights, managedRoutes: readVirtualServiceManagedRoutes(current, rollout), ...(rule ? { subsets: rule.subsets } : {}) };
  }

  /** The canary subset gets traffic now (by weight or a managed route), or the VirtualService cannot tell. */
  async function sendsToCanary(rollout: Rollout): Promise<boolean> {
    const seen = await observe(rollout);
    return isRouterProblem(seen) || seen.weights.canary > 0 || seen.managedRoutes.length > 0;
  }

  return {
    type: "istio",
    observe,
    apply,
    reset: (rollout, context) => apply(rollout, ALL_TO_STABLE, context),
  };
}
