/** The tolerated change of a compare metric (`maxIncrease` / `maxDecrease`) as an amount in the metric's unit. */
import type { Compare } from "../../api/metric.ts";

export type AllowedChange = Compare["maxIncrease"];

/**
 * "10%" is relative to the reference (stable) value; a plain integer is an absolute amount in the metric's own
 * unit (10 = ten milliseconds for a latency in ms). Unset means any change counts.
 */
export function allowedAmount(change: AllowedChange, reference: number): number {
  if (change === undefined) return 0;
  if (typeof change === "number") return change;
  const percent = Number.parseFloat(change.slice(0, -1));
  return (percent / 100) * Math.abs(reference);
}

/**
 * A stable value with the allowed change added (`raise`) or taken off: the limit a canary value is held to, per
 * value, by both tests ("50%": 1.5 times stable). An infinite value is its own limit (∞ - ∞ would be NaN).
 */
export function withAllowance(change: AllowedChange, value: number, direction: "raise" | "lower"): number {
  if (!Number.isFinite(value)) return value;
  const amount = allowedAmount(change, value);
  return direction === "raise" ? value + amount : value - amount;
}

/** "+10%" / "+10" for messages. */
export function describeAllowance(change: AllowedChange): string {
  return change === undefined ? "0" : String(change);
}
