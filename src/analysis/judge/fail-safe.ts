/**
 * Verdicts that may not stand on the data they came from (pure), applied after the tests:
 * - A capped side (histogram_quantile at the highest finite bucket, compare-capping.ts) reads lower than it was.
 *   Only a failure that capping can have weakened but not caused stands (High with only the canary capped, Low
 *   with only stable capped); anything else is NoData (`decidedBy: "capped"`): the comparison cannot see past the
 *   histogram's limit, as a threshold metric's capped quantile is Inconclusive.
 * - ±Inf points are ranked as the extremes, so they can make a canary High; but a Pass with one is NoData
 *   (`decidedBy: "infinite"`): an infinite stable point makes any canary look better, and a median-type shift
 *   hardly moves for a canary with 40% of its steps at +Inf.
 */
import { formatValue } from "./format.ts";
import type { Judgement, SideSummary } from "./judge.ts";

/** Capped steps of one side among its points in the comparison, and the bound they are capped at. */
export interface CappedSide {
  readonly steps: number;
  readonly bound: number | undefined;
}

export interface Capping {
  readonly canary?: CappedSide | undefined;
  readonly stable?: CappedSide | undefined;
}

/** "the canary at the highest finite bucket (le=0.5) in 12 of 61 steps" */
const describeCapped = (who: string, side: CappedSide, samples: number) =>
  `${who} at the highest finite bucket${side.bound === undefined ? "" : ` (le=${formatValue(side.bound)})`} in ${side.steps} of ${samples} steps`;

export function withoutCappedVerdict(decided: Judgement, capping: Capping | undefined, numbers: string): Judgement {
  const canary = capping?.canary !== undefined && capping.canary.steps > 0 ? capping.canary : undefined;
  const stable = capping?.stable !== undefined && capping.stable.steps > 0 ? capping.stable : undefined;
  if (canary === undefined && stable === undefined) return decided;
  const weakenedOnly = (decided.classification === "High" && stable === undefined) || (decided.classification === "Low" && canary === undefined);
  const parts = [
    canary ? describeCapped("the canary", canary, decided.canary.samples) : undefined,
    stable ? describeCapped("stable", stable, decided.stable.samples) : undefined,
  ].filter((p): p is string => p !== undefined);
  if (weakenedOnly) return { ...decided, message: `${decided.message} (capped: ${parts.join("")}; the true values are higher)` };
  return {
    ...decided,
    classification: "NoData",
    decidedBy: "capped",
    message: `${numbers}; capped: ${parts.join(" and ")}, where histogram_quantile answers that bound whatever the true value, so the comparison cannot see beyond it; add higher buckets or compare a lower quantile → NoData`,
  };
}

/** "canary had 24 at +Inf of 60 points", for the sides that have infinite points; undefined when none does. */
function describeInfinite(sides: ReadonlyArray<readonly [string, SideSummary]>): string | undefined {
  const parts = sides.flatMap(([label, side]) => {
    const at = [side.infinite.positive > 0 ? `${side.infinite.positive} at +Inf` : "", side.infinite.negative > 0 ? `${side.infinite.negative} at -Inf` : ""].filter(Boolean);
    return at.length > 0 ? [`${label} had ${at.join(" and ")} of ${side.samples} points`] : [];
  });
  return parts.length > 0 ? parts.join(", ") : undefined;
}

export function withoutInfinitePass(decided: Judgement, numbers: string): Judgement {
  const infinite = describeInfinite([["canary", decided.canary], ["stable", decided.stable]]);
  if (decided.classification !== "Pass" || infinite === undefined) return decided;
  return {
    ...decided,
    classification: "NoData",
    decidedBy: "infinite",
    message: `${numbers}; ${infinite} (ranked as the extreme values): a comparison with infinite points never passes; find why compare.query returns them (a division by zero?) → NoData`,
  };
}
