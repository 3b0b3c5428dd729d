/**
 * One canary-vs-stable measurement (a `compare` metric): the same query over the same window and step for the
 * canary and the stable pods (`{{podTemplateHash}}` filled per side), then the judge (judge/judge.ts). The
 * sequential test's state travels from one measurement to the next in the measurement's metadata
 * (`sequentialState`), so a restarted runner continues it. A histogram_quantile query is checked for capping at
 * every step (compare-capping.ts), from a range query of its buckets on the same grid.
 */
import type { Measurement } from "../api/analysis-run.ts";
import { compareStepSeconds, compareWindowMs } from "../api/compare-window.ts";
import type { QueryResult } from "../providers/types.ts";
import { cappedSteps, type SideCapping } from "./compare-capping.ts";
import type { CappedSide, Capping } from "./judge/fail-safe.ts";
import { formatPercent, formatSigned } from "./judge/format.ts";
import { judge, type Judgement, type Point, type SequentialState } from "./judge/judge.ts";
import { shareConfidence, type RunBudget } from "./false-abort-budget.ts";
import { describeFailure, errorMeasurement, type MeasureInput } from "./measure-threshold.ts";
import { parseQuantileQuery } from "./quantile-capping.ts";
import { overlapWarning } from "./query-ranges.ts";
import { formatNumber } from "./values.ts";

export interface CompareInput extends MeasureInput {
  readonly canaryHash: string | undefined;
  readonly stableHash: string | undefined;
  /** Metadata of this metric's previous measurement (carries the sequential state). */
  readonly previous?: Readonly<Record<string, string>> | undefined;
  /** This is the metric's last measurement: the fixed-horizon test decides. */
  readonly final: boolean;
  /** The run's share of its revision's false-abort budget: the judge works at that part of 1 - confidence. */
  readonly budget: RunBudget;
}

function previousState(previous: CompareInput["previous"]): SequentialState | undefined {
  const text = previous?.sequentialState;
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as SequentialState;
  } catch {
    return undefined; // a damaged state starts afresh; the judge then counts from the window it sees
  }
}

/**
 * The Rollout's status (the fallback without the args) names one hash for both sides once the canary is
 * promoted, as when an analysis takes its final look after the rollout completed: a version compared with itself
 * always passes, so that is an Error.
 */
export const sameHashMessage = (hash: string | undefined): string =>
  `canary and stable have the same pod-template hash "${hash}": nothing to compare; pass the args "canary-pod-hash" and "stable-pod-hash" so the run keeps the hashes it started with`;

function pointsOf(result: QueryResult, side: string): readonly Point[] | string {
  if (result.series.length > 1) {
    return `compare.query returned ${result.series.length} series for the ${side}; aggregate it to one (e.g. sum(...) or histogram_quantile over sum by (le))`;
  }
  return result.series[0]?.points ?? [];
}

/**
 * Both sides over the same span: points before the later side's first point are dropped, so stable data from
 * before the canary existed never enters the comparison (time is the biggest confounder; compare side by side).
 */
export function commonStart(canary: readonly Point[], stable: readonly Point[]): { canary: readonly Point[]; stable: readonly Point[] } {
  const first = (side: readonly Point[]) => side.reduce((min, [t]) => Math.min(min, t), Number.POSITIVE_INFINITY);
  if (canary.length === 0 || stable.length === 0) return { canary, stable };
  const start = Math.max(first(canary), first(stable));
  return { canary: canary.filter(([t]) => t >= start), stable: stable.filter(([t]) => t >= start) };
}

/**
 * A High/Low fails at any look, a capped comparison is Inconclusive at any look. Before the last look nothing
 * else is a verdict yet: no conclusive evidence and not enough data are Running, so that only the last look (the
 * fixed-horizon test) can record a pass and a metric never completes Successful on a provisional one.
 */
function phaseOf(judgement: Judgement, final: boolean): Measurement["phase"] {
  if (judgement.classification === "High" || judgement.classification === "Low") return "Failed";
  // A capped side is at the histogram's limit: Inconclusive at any look, as a threshold metric's capped quantile.
  if (judgement.decidedBy === "capped") return "Inconclusive";
  if (!final) return "Running";
  return judgement.classification === "Pass" ? "Successful" : "Inconclusive";
}

function metadataOf(judgement: Judgement, confidence: number, capping: Capping): Record<string, string> {
  const m: Record<string, string> = {
    classification: judgement.classification,
    // The level judged at, after the revision's split: the message's interval and "needs" come from it.
    alpha: formatNumber(1 - confidence),
    decidedBy: judgement.decidedBy,
    canarySamples: String(judgement.canary.samples),
    stableSamples: String(judgement.stable.samples),
  };
  for (const [side, summary] of [["canary", judgement.canary], ["stable", judgement.stable]] as const) {
    const infinite = summary.infinite.positive + summary.infinite.negative;
    if (infinite > 0) m[`${side}Infinite`] = String(infinite);
  }
  if (judgement.canary.median !== undefined) m.canaryMedian = formatNumber(judgement.canary.median);
  if (judgement.stable.median !== undefined) m.stableMedian = formatNumber(judgement.stable.median);
  if (judgement.shift) {
    m.shift = formatNumber(judgement.shift.estimate);
    m.shiftLower = formatNumber(judgement.shift.lower);
    m.shiftUpper = formatNumber(judgement.shift.upper);
  }
  for (const [key, margin] of [["overAllowance", judgement.margins?.increase], ["underAllowance", judgement.margins?.decrease]] as const) {
    if (margin === undefined) continue;
    m[key] = formatNumber(margin.estimate);
    m[`${key}Lower`] = formatNumber(margin.lower);
    m[`${key}Upper`] = formatNumber(margin.upper);
  }
  if (judgement.mannWhitney) m.pValue = formatNumber(judgement.mannWhitney.pValue);
  const bound = capping.canary?.bound ?? capping.stable?.bound;
  if (bound !== undefined) m.highestFiniteBucket = formatNumber(bound);
  if (capping.canary && capping.canary.steps > 0) m.canaryCapped = String(capping.canary.steps);
  if (capping.stable && capping.stable.steps > 0) m.stableCapped = String(capping.stable.steps);
  if (judgement.sequentialState) m.sequentialState = JSON.stringify(judgement.sequentialState);
  return m;
}

export async function measureCompare(input: CompareInput): Promise<Measurement> {
  const { provider, metric, at } = input;
  const compare = metric.compare;
  if (!compare?.query) return errorMeasurement(at, input.now(), "metric has no compare.query");
  const query = compare.query;
  if (!input.canaryHash || !input.stableHash) {
    return errorMeasurement(
      at,
      input.now(),
      `compare needs both pod-template hashes: pass args "canary-pod-hash" (podTemplateHashValue: Latest) and "stable-pod-hash" (podTemplateHashValue: Stable)`,
    );
  }
  if (input.canaryHash === input.stableHash) return errorMeasurement(at, input.now(), sameHashMessage(input.canaryHash));
  const windowMs = compareWindowMs(compare, metric.interval);
  const stepSeconds = compareStepSeconds(compare);
  const from = new Date(at.getTime() - windowMs);
  const sides = { canary: input.canaryHash, stable: input.stableHash };
  const points: Partial<Record<keyof typeof sides, readonly Point[]>> = {};
  const capped: Partial<Record<keyof typeof sides, SideCapping>> = {};
  const warnings: string[] = [];
  for (const side of ["canary", "stable"] as const) {
    const rendered = provider.render(query, input.args, new Map([["podTemplateHash", sides[side]]]));
    if (!rendered.ok) return errorMeasurement(at, input.now(), rendered.message);
    const overlap = side === "canary" ? overlapWarning(rendered.query, stepSeconds * 1000) : undefined;
    if (overlap) warnings.push(overlap);
    const outcome = await provider.range(metric, rendered.query, from, at, stepSeconds, input.context);
    if (!outcome.ok) return errorMeasurement(at, input.now(), `${side}: ${describeFailure(outcome)}`, warnings);
    warnings.push(...outcome.warnings);
    const got = pointsOf(outcome.value, side);
    if (typeof got === "string") return errorMeasurement(at, input.now(), got, warnings);
    points[side] = got;
    const quantile = parseQuantileQuery(rendered.query);
    if (quantile) {
      const buckets = await provider.range(metric, quantile.inner, from, at, stepSeconds, input.context);
      // As for threshold metrics: a failed check is a warning, not a reason to withhold the comparison.
      if (!buckets.ok) warnings.push(`could not check the ${side}'s quantile for capping: ${describeFailure(buckets)}`);
      else capped[side] = cappedSteps(quantile.quantile, buckets.value.series);
    }
  }
  const aligned = commonStart(points.canary ?? [], points.stable ?? []);
  const confidence = shareConfidence(compare.confidence, input.budget);
  const cappedSide = (side: keyof typeof sides): CappedSide | undefined => {
    const c = capped[side];
    return c === undefined ? undefined : { steps: aligned[side].filter(([t]) => c.capped.has(t)).length, bound: c.highestFiniteBound };
  };
  const capping: Capping = { canary: cappedSide("canary"), stable: cappedSide("stable") };
  const judgement = judge({
    name: metric.name,
    canary: aligned.canary,
    stable: aligned.stable,
    compare: { ...compare, confidence },
    sequentialState: previousState(input.previous),
    final: input.final,
    capping,
  });
  // The value is the estimated shift: relative ("+666.2%") when stable's level allows, as the judge's message says it.
  const shown = judgement.relativeShift ? formatPercent(judgement.relativeShift.estimate) : judgement.shift ? formatSigned(judgement.shift.estimate) : undefined;
  return {
    phase: phaseOf(judgement, input.final),
    ...(shown !== undefined ? { value: shown } : {}),
    startedAt: at.toISOString(),
    finishedAt: input.now().toISOString(),
    message: judgement.message,
    ...(warnings.length > 0 ? { warnings } : {}),
    metadata: metadataOf(judgement, confidence, capping),
  };
}
