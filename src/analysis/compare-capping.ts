/**
 * The steps at which one side of a compare metric was capped: histogram_quantile answers the highest finite
 * bucket's bound when the quantile lies in the +Inf bucket, so at those steps the side is at the histogram's
 * limit and the comparison cannot see how far beyond it the side really was. The detector is the threshold
 * metrics' own (quantile-capping.ts), applied to each step of the buckets' range query.
 */
import type { Series } from "../providers/types.ts";
import { checkCapping } from "./quantile-capping.ts";

export interface SideCapping {
  /** Timestamps (unix seconds) of the capped steps. */
  readonly capped: ReadonlySet<number>;
  /** Upper bound of the highest finite bucket, when the buckets showed one. */
  readonly highestFiniteBound: number | undefined;
}

/** `buckets`: the range query of histogram_quantile's inner expression, one series per `le` (and other labels). */
export function cappedSteps(quantile: number, buckets: readonly Series[]): SideCapping {
  const byStep = new Map<number, Series[]>();
  for (const series of buckets) {
    for (const point of series.points) {
      const at = byStep.get(point[0]) ?? [];
      at.push({ labels: series.labels, points: [point] });
      byStep.set(point[0], at);
    }
  }
  const capped = new Set<number>();
  let highestFiniteBound: number | undefined;
  for (const [t, step] of byStep) {
    const check = checkCapping(quantile, step);
    if (check.capped) capped.add(t);
    if (check.highestFiniteBound !== undefined && (check.capped || highestFiniteBound === undefined)) highestFiniteBound = check.highestFiniteBound;
  }
  return { capped, highestFiniteBound };
}
