/** What a VirtualService routes now, read back from its target http routes. */
import type { Rollout } from "../../api/rollout.ts";
import { isManagedName } from "../managed-names.ts";
import { isRouterProblem, routerProblem, type RoutedWeights, type RouterProblem } from "../types.ts";
import { percentagesOf } from "../weights.ts";
import { weightedVirtualService } from "./build.ts";
import { virtualServiceSchema } from "./schema.ts";

/**
 * A lone destination without a weight takes 100; with two destinations Istio requires explicit weights,
 * so a missing one reads as 0. Target routes that disagree are reported, not averaged.
 */
export function readVirtualServiceWeights(current: unknown, rollout: Rollout, ruleHost?: string): RoutedWeights | RouterProblem {
  const prepared = weightedVirtualService(current, rollout, ruleHost);
  if (isRouterProblem(prepared)) return prepared;
  const { target, weighted } = prepared;

  let result: RoutedWeights | undefined;
  for (const entry of weighted) {
    const lone = (entry.route.route ?? []).length === 1;
    const weights = percentagesOf(entry.canary?.weight ?? 0, entry.stable.weight ?? (lone ? 100 : 0));
    if (!weights) {
      return routerProblem("MalformedObject", `${target.what} http route ${entry.label} gives stable and canary weight 0; give stable weight 100`);
    }
    if (result && result.canary !== weights.canary) {
      return routerProblem(
        "InconsistentWeights",
        `${target.what} target http routes disagree (${result.canary}% and ${weights.canary}% canary); sluice will set them all on its next write`,
      );
    }
    result = weights;
  }
  return result as RoutedWeights;
}

/** Names of this Rollout's managed http routes in the VirtualService now. */
export function readVirtualServiceManagedRoutes(current: unknown, rollout: Rollout): string[] {
  const parsed = virtualServiceSchema.safeParse(current);
  if (!parsed.success) return [];
  const name = rollout.metadata.name ?? "";
  return (parsed.data.spec.http ?? []).flatMap((route) => (isManagedName(name, route.name) && route.name ? [route.name] : []));
}
