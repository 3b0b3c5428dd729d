/**
 * Cleaning one side's samples before any statistics: the fail-safe starts here. NaN (Prometheus' "no value":
 * an empty step, 0/0) is missing and dropped; ±Inf is a value, the most extreme one (a latency of +Inf is the
 * worst), kept for the tests to rank and counted so that the judge never passes with one.
 */
import type { Infinities } from "./pairwise-differences.ts";
import type { Point } from "./sequential.ts";

export interface CleanSamples {
  /** Values other than NaN, in time order; ±Infinity included. */
  readonly values: number[];
  /** Points dropped because their value was NaN. */
  readonly dropped: number;
  readonly infinite: Infinities;
}

export function cleanSamples(points: readonly Point[]): CleanSamples {
  const values: number[] = [];
  let dropped = 0;
  let positive = 0;
  let negative = 0;
  for (const [, value] of points) {
    if (Number.isNaN(value)) {
      dropped++;
      continue;
    }
    values.push(value);
    if (value === Number.POSITIVE_INFINITY) positive++;
    else if (value === Number.NEGATIVE_INFINITY) negative++;
  }
  return { values, dropped, infinite: { positive, negative } };
}
