/**
 * Per-metric classification of a fixed-horizon comparison, after Kayenta's NetflixACAJudge (MannWhitneyClassifier)
 * adapted to sluice's `direction` and `maxIncrease` / `maxDecrease`:
 *
 * - tolerance = 0.25·|estimate|, so that a statistically clear but tiny shift relative to its own size passes;
 * - High when the interval's lower bound is above +tolerance and the estimate exceeds the allowed increase
 *   (Kayenta: effect size >= allowedIncrease), for direction increase or either;
 * - Low when the interval's upper bound is below -tolerance and the estimate is below minus the allowed decrease,
 *   for direction decrease or either;
 * - Pass otherwise.
 */
import type { Compare } from "../../api/metric.ts";
import { allowedAmount } from "./allowance.ts";
import type { ShiftEstimate } from "./hodges-lehmann.ts";

export type Classification = "High" | "Low" | "Pass" | "NoData";

/** Kayenta's fraction of |estimate| that the interval has to clear. */
export const TOLERANCE_FRACTION = 0.25;

export function classifyShift(
  shift: ShiftEstimate,
  stableCenter: number,
  settings: Pick<Compare, "direction" | "maxIncrease" | "maxDecrease">,
): Exclude<Classification, "NoData"> {
  const tolerance = TOLERANCE_FRACTION * Math.abs(shift.estimate);
  const allowedIncrease = allowedAmount(settings.maxIncrease, stableCenter);
  const allowedDecrease = allowedAmount(settings.maxDecrease, stableCenter);
  if (settings.direction !== "decrease" && shift.lower > tolerance && shift.estimate > allowedIncrease) return "High";
  if (settings.direction !== "increase" && shift.upper < -tolerance && shift.estimate < -allowedDecrease) return "Low";
  return "Pass";
}
