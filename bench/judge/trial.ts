/**
 * One simulated canary analysis in one cell: both sides' scraped counters, then every method that applies to
 * the cell on the same data. Pure given the seed.
 */
import { seededRandom } from "../../src/util/seeded-random.ts";
import { HORIZON_SECONDS, LOOKS, NEVER } from "./looks.ts";
import { logRatios, oracleErrorAbortLook, oracleLatencyAbortLook } from "./oracle-sprt.ts";
import { errorRatioStep, perStepPoints, quantileStep, runPerStepJudge } from "./per-step-judge.ts";
import { intervalCounts, startRequestJudge, type CountsJudgeRun } from "./request-judge.ts";
import { BASE_BINS, BASE_ERROR_RATE, TOTAL_RATE, canaryBins, type Scenario } from "./scenarios.ts";
import { simulateScrapes } from "./scrape-simulation.ts";
import { errorRatioExcess, lookStatistics, relativeP99Excess } from "./threshold.ts";

export const METHODS = [
  "per-step p99",
  "per-step p99.9",
  "per-step errors",
  "threshold p99",
  "threshold errors",
  "oracle",
  "request judge",
] as const;
export type Method = (typeof METHODS)[number];

/** The methods a scenario's table rows show: latency methods for latency shifts, error methods for errors. */
export function methodsFor(scenario: Scenario): readonly Method[] {
  switch (scenario.kind) {
    case "null":
      return ["per-step p99", "per-step p99.9", "per-step errors", "threshold p99", "threshold errors", "request judge"];
    case "latency":
      return ["per-step p99", "per-step p99.9", "threshold p99", "oracle", "request judge"];
    case "errors":
      return ["per-step errors", "threshold errors", "oracle", "request judge"];
  }
}

export interface TrialResult {
  /** Abort look per method that ran (NEVER = none); threshold methods are decided later, from `statistics`. */
  readonly abortLook: Partial<Record<Method, number>>;
  /** Per-step methods whose last measurement was NoData. */
  readonly noDataAtEnd: Method[];
  /** Threshold statistic per look, for the threshold methods of the cell. */
  readonly statistics: Partial<Record<Method, Float64Array>>;
}

/** What a cell needs precomputed once (bin probabilities and the oracle's weights). */
export interface Cell {
  readonly scenario: Scenario;
  readonly share: number;
  readonly canaryBins: Float64Array;
  readonly oracleWeights: Float64Array;
}

export function cellOf(scenario: Scenario, share: number): Cell {
  const bins = canaryBins(scenario);
  return { scenario, share, canaryBins: bins, oracleWeights: logRatios(bins, BASE_BINS) };
}

export interface TrialOptions {
  /** Run only the threshold statistics (the calibration's null trials need nothing else). */
  readonly statisticsOnly?: boolean;
  /** The per-step judge's rate range in seconds (default: the step, as the shipped template). */
  readonly perStepRangeSeconds?: number;
  /** The request judge to run (default: request-judge.ts's; tests pass a double to check the plumbing). */
  readonly requestJudge?: (() => CountsJudgeRun) | undefined;
}

export function runTrial(cell: Cell, seed: number, options: TrialOptions = {}): TrialResult {
  const random = seededRandom(seed);
  const scrapeInterval = 5 + 10 * random(); // one Prometheus job: the same interval for both sides
  const canaryPhase = scrapeInterval * random();
  const stablePhase = scrapeInterval * random();
  const canary = simulateScrapes(
    { rate: TOTAL_RATE * cell.share, bins: cell.canaryBins, errorRate: cell.scenario.canaryErrorRate, history: 0 },
    scrapeInterval,
    canaryPhase,
    HORIZON_SECONDS,
    random,
  );
  const stable = simulateScrapes(
    { rate: TOTAL_RATE * (1 - cell.share), bins: BASE_BINS, errorRate: BASE_ERROR_RATE, history: 3600 },
    scrapeInterval,
    stablePhase,
    HORIZON_SECONDS,
    random,
  );

  const methods = methodsFor(cell.scenario);
  const requestJudge = "requestJudge" in options ? options.requestJudge : startRequestJudge;
  const abortLook: Partial<Record<Method, number>> = {};
  const statistics: Partial<Record<Method, Float64Array>> = {};
  const noDataAtEnd: Method[] = [];
  for (const method of methods) {
    if (method === "threshold p99") statistics[method] = lookStatistics(canary, stable, relativeP99Excess);
    if (method === "threshold errors") statistics[method] = lookStatistics(canary, stable, errorRatioExcess);
  }
  if (options.statisticsOnly === true) return { abortLook, noDataAtEnd, statistics };

  for (const method of methods) {
    if (method === "per-step p99" || method === "per-step p99.9" || method === "per-step errors") {
      const value = method === "per-step p99" ? quantileStep(0.99) : method === "per-step p99.9" ? quantileStep(0.999) : errorRatioStep;
      const range = options.perStepRangeSeconds;
      const outcome = runPerStepJudge(method, perStepPoints(canary, value, range), perStepPoints(stable, value, range));
      abortLook[method] = outcome.abortLook;
      if (outcome.noDataAtEnd) noDataAtEnd.push(method);
    } else if (method === "oracle") {
      abortLook[method] =
        cell.scenario.kind === "errors"
          ? oracleErrorAbortLook(canary, BASE_ERROR_RATE, cell.scenario.canaryErrorRate)
          : oracleLatencyAbortLook(canary, cell.oracleWeights);
    } else if (method === "request judge" && requestJudge !== undefined) {
      const run = requestJudge();
      let at = NEVER;
      for (let look = 1; look <= LOOKS && at === NEVER; look++) {
        if (run.look(intervalCounts(canary, stable, look), look === LOOKS) === "abort") at = look;
      }
      abortLook[method] = at;
    }
  }
  return { abortLook, noDataAtEnd, statistics };
}
