/** Cleaning one side's samples before any statistics: the fail-safe starts here. */
import type { Point } from "./sequential.ts";

export interface CleanSamples {
  /** Finite values in time order. */
  readonly values: number[];
  /** Points dropped because their value was NaN or ±Inf (Prometheus sends "NaN", "+Inf", "-Inf"). */
  readonly dropped: number;
}

export function cleanSamples(points: readonly Point[]): CleanSamples {
  const values: number[] = [];
  let dropped = 0;
  for (const [, value] of points) {
    if (Number.isFinite(value)) values.push(value);
    else dropped++;
  }
  return { values, dropped };
}
