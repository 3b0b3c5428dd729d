/**
 * The span a per-step compare metric judges, and how many points it can hold. query_range returns one point per
 * step from the window's start to its end, so a window holds floor(window / step) + 1 points per side: a window
 * shorter than (minSamples - 1) steps can never give the judge minSamples points, however long the run.
 */
import { durationToMs } from "./duration.ts";

type Duration = string | number;

export interface CompareSpan {
  readonly window?: Duration | undefined;
  readonly step: Duration;
  readonly minSamples: number;
}

/** The range query's step in seconds (at least 1 s, as Prometheus resolutions go). */
export function compareStepSeconds(compare: CompareSpan): number {
  return Math.max(1, (durationToMs(compare.step) ?? 10_000) / 1000);
}

export function pointsInWindow(windowMs: number, stepSeconds: number): number {
  return Math.floor(windowMs / (stepSeconds * 1000)) + 1;
}

/**
 * `window`, or by default the metric's interval lengthened to hold 2·minSamples points: the interval alone (60 s
 * at 10 s steps: 7 points) could never reach the default minSamples of 50, and the spare half lets steps without
 * a value (NaN: no requests in the step) miss without starving the judge.
 */
export function compareWindowMs(compare: CompareSpan, interval: Duration | undefined): number {
  if (compare.window !== undefined) return durationToMs(compare.window) ?? 0;
  const needed = 2 * compare.minSamples * compareStepSeconds(compare) * 1000;
  return Math.max(interval === undefined ? 0 : (durationToMs(interval) ?? 0), needed);
}
