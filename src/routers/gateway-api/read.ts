/** What an HTTPRoute routes now, read back for the Rollout's status and for verifying a write. */
import type { Rollout } from "../../api/rollout.ts";
import { isManagedName } from "../managed-names.ts";
import { isRouterProblem, routerProblem, type RoutedWeights, type RouterProblem } from "../types.ts";
import { percentagesOf } from "../weights.ts";
import { ruleLabel } from "./backends.ts";
import { weightedHTTPRoute } from "./build.ts";
import { httpRouteSchema } from "./schema.ts";

/**
 * The canary/stable split of the user rules that name the stable Service. Weights are proportional and
 * default to 1, so `{stable}` alone is 100/0 and `{stable: 3, canary: 1}` is 75/25 (canary rounded).
 * Rules that disagree are reported rather than averaged: then no single number is true.
 */
export function readHTTPRouteWeights(current: unknown, rollout: Rollout): RoutedWeights | RouterProblem {
  const prepared = weightedHTTPRoute(current, rollout);
  if (isRouterProblem(prepared)) return prepared;
  const { services, location, weighted } = prepared;

  let result: RoutedWeights | undefined;
  for (const target of weighted) {
    const stable = target.stable.weight ?? 1;
    const canary = target.canary ? (target.canary.weight ?? 1) : 0;
    const weights = percentagesOf(canary, stable);
    if (!weights) {
      return routerProblem(
        "MalformedObject",
        `${location.what} rule ${ruleLabel(target.rule, target.index)} gives both ${services.stableService} and ${services.canaryService} weight 0; give ${services.stableService} weight 100`,
      );
    }
    if (result && (result.canary !== weights.canary || result.stable !== weights.stable)) {
      return routerProblem(
        "InconsistentWeights",
        `${location.what} rules naming ${services.stableService} disagree (${result.canary}% and ${weights.canary}% canary); sluice will set them all on its next write`,
      );
    }
    result = weights;
  }
  return result as RoutedWeights;
}

/** Names of the managed rules (header and mirror routes) this Rollout has in the HTTPRoute now. */
export function readHTTPRouteManagedRules(current: unknown, rollout: Rollout): string[] {
  const name = rollout.metadata.name ?? "";
  const parsed = httpRouteSchema.safeParse(current);
  if (!parsed.success) return [];
  return (parsed.data.spec.rules ?? []).flatMap((rule) => (isManagedName(name, rule.name) && rule.name ? [rule.name] : []));
}
