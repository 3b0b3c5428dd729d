/**
 * Per-metric classification of a fixed-horizon comparison, after Kayenta's NetflixACAJudge (MannWhitneyClassifier)
 * adapted to sluice's `direction` and `maxIncrease` / `maxDecrease`, with the allowance in the hypothesis:
 *
 * - the allowance is tested, not the point estimate: High only when the lower confidence bound of the shift of the
 *   canary over stable raised by the allowed increase (`margins.increase`: Hodges-Lehmann of canary vs
 *   stable + allowance(stable), judge.ts) is above 0, so a true shift equal to the allowance fails at most
 *   (1 - confidence)/2 of the time, where testing the estimate failed about half the time. Low mirrors it with
 *   the upper bound over stable lowered by the allowed decrease. Without an allowance the margin is the shift;
 * - tolerance = 0.25·|estimate| (0 for an infinite estimate), so that a statistically clear but tiny shift
 *   relative to its own size passes: the shift's own bound must clear it too (Kayenta);
 * - `direction` selects which of High/Low may happen (`either`: both); Pass otherwise.
 */
import type { Compare } from "../../api/metric.ts";
import type { ShiftEstimate } from "./hodges-lehmann.ts";

export type Classification = "High" | "Low" | "Pass" | "NoData";

/** Kayenta's fraction of |estimate| that the interval has to clear. */
export const TOLERANCE_FRACTION = 0.25;

/** The canary's shift over stable moved by the allowance: + the allowed increase, - the allowed decrease. */
export interface Margins {
  readonly increase: ShiftEstimate;
  readonly decrease: ShiftEstimate;
}

export function classifyShift(shift: ShiftEstimate, margins: Margins, direction: Compare["direction"]): Exclude<Classification, "NoData"> {
  const tolerance = Number.isFinite(shift.estimate) ? TOLERANCE_FRACTION * Math.abs(shift.estimate) : 0;
  if (direction !== "decrease" && margins.increase.lower > 0 && shift.lower > tolerance) return "High";
  if (direction !== "increase" && margins.decrease.upper < 0 && shift.upper < -tolerance) return "Low";
  return "Pass";
}
