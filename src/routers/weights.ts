/** Weight arithmetic shared by the routers: whole percentages, canary + stable = 100, always. */
import type { RoutedWeights } from "./types.ts";

/**
 * The split to write for a desired canary weight. The core hands us integers in 0..100; anything else
 * (NaN, 12.5, 140) is clamped and rounded here so a router can never write a partial or invalid state.
 */
export function splitFor(canaryWeight: number): RoutedWeights {
  const canary = Number.isFinite(canaryWeight) ? Math.min(100, Math.max(0, Math.round(canaryWeight))) : 0;
  return { canary, stable: 100 - canary };
}

/**
 * Whole percentages from raw proportional weights (Gateway API, SMI and nginx canary-weight-total are all
 * proportional). Undefined when neither side gets any traffic, which the caller reports.
 */
export function percentagesOf(canaryRaw: number, stableRaw: number): RoutedWeights | undefined {
  const total = canaryRaw + stableRaw;
  if (!(total > 0)) return undefined;
  const canary = Math.round((100 * canaryRaw) / total);
  return { canary, stable: 100 - canary };
}
