/**
 * Row "per-step judge (today)": the shipped `compare` judge (src/analysis/judge/judge.ts) fed what
 * measure-compare.ts would get from Prometheus for the shipped latency-vs-stable template's query form:
 * `histogram_quantile(q, sum by (le) (rate(x_bucket[10s])))` (or `rate(errors_total[10s]) /
 * rate(requests_total[10s])`) as a range query at a 10 s step over a 10 m window, for each side. A step whose
 * range holds fewer than two scrapes has no point (Prometheus returns none); 0/0 is a NaN point, which the judge
 * drops. Settings: the template's direction `increase` and window 10m, the schema's defaults otherwise
 * (confidence 0.98, minSamples 50, sequential, no allowance). (The schema's default window was once the
 * interval, which would leave 3 points and never decide; it now holds 2·minSamples points.)
 */
import { compareSchema, type Compare } from "../../src/api/metric.ts";
import { durationToMs } from "../../src/api/duration.ts";
import { judge, type Point, type SequentialState } from "../../src/analysis/judge/judge.ts";
import { commonStart } from "../../src/analysis/measure-compare.ts";
import { quantileOfSortedBuckets } from "./histogram-quantile.ts";
import { BUCKET_BOUNDS } from "./latency-model.ts";
import { HORIZON_SECONDS, LOOKS, NEVER, UNIX_EPOCH_OF_START, lookTime } from "./looks.ts";
import type { ScrapedCounters } from "./scrape-simulation.ts";
import { totalOf, windowIncrease, type WindowIncrease } from "./window-increase.ts";

export const PER_STEP_COMPARE: Compare = compareSchema.parse({ query: "bench", direction: "increase", window: "10m", step: "10s" });
const STEP_SECONDS = (durationToMs(PER_STEP_COMPARE.step) ?? 10_000) / 1000;
const WINDOW_SECONDS = (durationToMs(PER_STEP_COMPARE.window ?? "10m") ?? 600_000) / 1000;

/** The template's form: the rate's range is the step. `--per-step-range` changes it (e.g. 1m: overlapping). */
export const DEFAULT_PER_STEP_RANGE_SECONDS = STEP_SECONDS;

/** One step's value from the increases over its range (rate = increase / range). */
export type StepValue = (increase: WindowIncrease, rangeSeconds: number) => number;

export function quantileStep(q: number): StepValue {
  const scratch = new Float64Array(BUCKET_BOUNDS.length);
  return (increase, rangeSeconds) => {
    const rates = increase.buckets.map((v) => v / rangeSeconds);
    return quantileOfSortedBuckets(q, BUCKET_BOUNDS, rates, scratch);
  };
}

export const errorRatioStep: StepValue = (increase) => increase.errors / totalOf(increase);

/**
 * The range-query points of one side at t = step, 2·step, … up to the horizon (the canary's first requests at 0;
 * earlier stable points would be dropped by commonStart anyway).
 */
export function perStepPoints(side: ScrapedCounters, value: StepValue, rangeSeconds: number = DEFAULT_PER_STEP_RANGE_SECONDS): Point[] {
  const points: Point[] = [];
  for (let t = STEP_SECONDS; t <= HORIZON_SECONDS; t += STEP_SECONDS) {
    const increase = windowIncrease(side, t, rangeSeconds);
    if (increase !== undefined) points.push([UNIX_EPOCH_OF_START + t, value(increase, rangeSeconds)]);
  }
  return points;
}

export interface PerStepOutcome {
  /** Look of the first Failed measurement, or NEVER. */
  readonly abortLook: number;
  /** The last measurement was NoData (fewer than minSamples finite points on a side). */
  readonly noDataAtEnd: boolean;
}

/** The analysis as the runner would do it: a measurement per look, the state carried, the last look final. */
export function runPerStepJudge(name: string, canary: readonly Point[], stable: readonly Point[]): PerStepOutcome {
  let state: SequentialState | undefined;
  let noData = false;
  for (let look = 1; look <= LOOKS; look++) {
    const at = UNIX_EPOCH_OF_START + lookTime(look);
    const inWindow = (points: readonly Point[]) => points.filter(([t]) => t <= at && t >= at - WINDOW_SECONDS);
    const aligned = commonStart(inWindow(canary), inWindow(stable));
    const judgement = judge({
      name,
      canary: aligned.canary,
      stable: aligned.stable,
      compare: PER_STEP_COMPARE,
      sequentialState: state,
      final: look === LOOKS,
    });
    state = judgement.sequentialState;
    if (judgement.classification === "High" || judgement.classification === "Low") return { abortLook: look, noDataAtEnd: false };
    noData = judgement.classification === "NoData";
  }
  return { abortLook: NEVER, noDataAtEnd: noData };
}
