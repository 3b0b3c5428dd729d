/**
 * The canary-vs-stable judge for one `compare` metric: canary and stable range-query points in, a classification
 * with its numbers and a message out. Pure: no I/O, no clock; the caller stores `sequentialState` between
 * measurements.
 *
 * Order of decisions:
 * 1. Fail-safe: fewer than `minSamples` points (NaN is missing) on either side is NoData, never Pass, and the
 *    message says which side lacked data and how many points it had (and how many were NaN).
 * 2. Sequential (when `compare.sequential`): the anytime-valid sign test (sequential.ts) may classify High/Low
 *    at any measurement; this is the early abort.
 * 3. Fixed horizon: Mann-Whitney p-value and Hodges-Lehmann interval at `compare.confidence`, classified as in
 *    Kayenta (classify.ts). With `sequential`, this test speaks only on the `final` measurement; before it, an
 *    undecided metric is a provisional Pass (`decidedBy: "none"`), because acting on a fixed-horizon test at every
 *    interval inflates false alarms. Without `sequential`, every call is a fixed-horizon judgement. The caller
 *    records a non-final Pass or NoData as Running (measure-compare.ts): only the final look passes.
 * 4. Verdicts that may not stand (fail-safe.ts): a capped side (`capping`, from the caller) makes anything but a
 *    failure it can only have weakened NoData (`decidedBy: "capped"`); ±Inf points, ranked as the extremes by
 *    both tests (+Inf, the worst latency, above everything), can make a canary High but never let it Pass
 *    (`decidedBy: "infinite"`).
 */
import { median } from "simple-statistics";
import type { Compare } from "../../api/metric.ts";
import { describeAllowance, withAllowance } from "./allowance.ts";
import { classifyShift, type Classification, type Margins } from "./classify.ts";
import { withoutCappedVerdict, withoutInfinitePass, type Capping } from "./fail-safe.ts";
import { formatPercent, formatPValue, formatSigned, formatValue } from "./format.ts";
import { hodgesLehmann, type ShiftEstimate } from "./hodges-lehmann.ts";
import { mannWhitney, type Alternative, type MannWhitneyResult } from "./mann-whitney.ts";
import type { Infinities } from "./pairwise-differences.ts";
import { cleanSamples } from "./samples.ts";
import { updateSequential, type Point, type SequentialOutcome, type SequentialState } from "./sequential.ts";

export type { Point, SequentialState } from "./sequential.ts";

export interface JudgeInput {
  /** Metric name, used in the message. */
  readonly name: string;
  /**
   * Points of the whole comparison window so far, from query_range with the same grid on both sides. The
   * fixed-horizon test and minSamples use all of them; the sequential state counts only those newer than the
   * previous call, so overlapping windows are fine.
   */
  readonly canary: readonly Point[];
  readonly stable: readonly Point[];
  /** The parsed compare block (zod output: defaults applied). */
  readonly compare: Compare;
  /** State returned by the previous measurement of this metric in this analysis run, if any. */
  readonly sequentialState?: SequentialState | undefined;
  /** The last measurement of the analysis: the fixed-horizon test decides. */
  readonly final?: boolean;
  /** Steps at which a side's histogram_quantile was capped (measure-compare.ts finds them from the buckets). */
  readonly capping?: Capping | undefined;
}

export interface SideSummary {
  /** Points with a value (NaN is missing), infinite ones included. */
  readonly samples: number;
  /** NaN points, dropped. */
  readonly dropped: number;
  readonly infinite: Infinities;
  readonly median: number | undefined;
}

export interface Judgement {
  readonly classification: Classification;
  /** What decided: the sequential test (early), the fixed-horizon test, nothing yet, missing data, or the fail-safe on capped or infinite points. */
  readonly decidedBy: "sequential" | "fixed-horizon" | "none" | "nodata" | "capped" | "infinite";
  readonly message: string;
  readonly canary: SideSummary;
  readonly stable: SideSummary;
  /** Hodges-Lehmann shift canary - stable with its interval; absent without enough data. */
  readonly shift?: ShiftEstimate;
  /** shift relative to |stable median|, when that median is not 0. */
  readonly relativeShift?: { readonly estimate: number; readonly lower: number; readonly upper: number };
  /** With an allowance: the shift of canary over stable + allowed increase / - allowed decrease (classify.ts). */
  readonly margins?: { readonly increase?: ShiftEstimate; readonly decrease?: ShiftEstimate };
  readonly mannWhitney?: MannWhitneyResult;
  readonly sequential?: SequentialOutcome;
  /** Store this and pass it to the next measurement (present whenever compare.sequential is on). */
  readonly sequentialState?: SequentialState;
}

function alternativeOf(direction: Compare["direction"]): Alternative {
  return direction === "increase" ? "greater" : direction === "decrease" ? "less" : "two-sided";
}

function describeSide(label: string, side: SideSummary): string {
  const dropped = side.dropped > 0 ? ` (+${side.dropped} NaN dropped)` : "";
  return `${label} had ${side.samples} samples${dropped}`;
}

function describeShift(shift: ShiftEstimate, relative: Judgement["relativeShift"], confidencePercent: string): string {
  if (relative !== undefined) {
    return `${formatPercent(relative.estimate)} (${confidencePercent} CI ${formatPercent(relative.lower)}..${formatPercent(relative.upper)})`;
  }
  return `${formatSigned(shift.estimate)} (${confidencePercent} CI ${formatSigned(shift.lower)}..${formatSigned(shift.upper)})`;
}

/** The larger e-value among the sides the direction watches (1 = no evidence). */
function watchedEValue(direction: Compare["direction"], sequential: SequentialOutcome | undefined): number {
  if (sequential === undefined) return 1;
  if (direction === "increase") return sequential.eIncrease;
  if (direction === "decrease") return sequential.eDecrease;
  return Math.max(sequential.eIncrease, sequential.eDecrease);
}

export function judge(input: JudgeInput): Judgement {
  const { compare, name } = input;
  const canaryClean = cleanSamples(input.canary);
  const stableClean = cleanSamples(input.stable);
  const summary = (clean: ReturnType<typeof cleanSamples>): SideSummary => ({
    samples: clean.values.length,
    dropped: clean.dropped,
    infinite: clean.infinite,
    median: clean.values.length > 0 ? median(clean.values) : undefined,
  });
  const canary = summary(canaryClean);
  const stable = summary(stableClean);

  const short = [
    canary.samples < compare.minSamples ? describeSide("canary", canary) : undefined,
    stable.samples < compare.minSamples ? describeSide("stable", stable) : undefined,
  ].filter((s): s is string => s !== undefined);

  // The sequential state advances even before minSamples so that no pair is lost, but it may not reject (nor
  // latch a rejection) then: a verdict on fewer points than minSamples would be final.
  const sequential = compare.sequential ? updateSequential(input.sequentialState, input.canary, input.stable, compare, short.length === 0) : undefined;
  const carried = sequential === undefined ? {} : { sequential, sequentialState: sequential.state };
  if (short.length > 0) {
    return {
      classification: "NoData",
      decidedBy: "nodata",
      message: `${name}: not enough data: ${short.join(", ")}; at least ${compare.minSamples} per side are needed → NoData`,
      canary,
      stable,
      ...carried,
    };
  }

  const shift = hodgesLehmann(canaryClean.values, stableClean.values, compare.confidence);
  const test = mannWhitney(canaryClean.values, stableClean.values, alternativeOf(compare.direction));
  const stableMedian = stable.median ?? 0;
  // Relative to an infinite median every shift reads as 0: the relative form needs a finite, non-zero stable.
  const relative = (s: ShiftEstimate): Judgement["relativeShift"] =>
    stableMedian !== 0 && Number.isFinite(stableMedian)
      ? { estimate: s.estimate / Math.abs(stableMedian), lower: s.lower / Math.abs(stableMedian), upper: s.upper / Math.abs(stableMedian) }
      : undefined;
  const relativeShift = relative(shift);
  // The allowance is part of the hypothesis: each stable value moved by it, as the sequential test does per pair.
  const margin = (change: Compare["maxIncrease"], watched: boolean, way: "raise" | "lower") =>
    watched && change !== undefined ? hodgesLehmann(canaryClean.values, stableClean.values.map((s) => withAllowance(change, s, way)), compare.confidence) : undefined;
  const increase = margin(compare.maxIncrease, compare.direction !== "decrease", "raise");
  const decrease = margin(compare.maxDecrease, compare.direction !== "increase", "lower");
  const margins: Margins = { increase: increase ?? shift, decrease: decrease ?? shift };
  const confidencePercent = `${Number((100 * compare.confidence).toPrecision(4))}%`;
  const describeMargin = (m: ShiftEstimate | undefined, label: string) => (m === undefined ? "" : `, canary − (stable ${label}): ${describeShift(m, relative(m), confidencePercent)}`);
  const numbers = `${name} canary ${formatValue(canary.median ?? Number.NaN)} vs stable ${formatValue(stableMedian)}: ${describeShift(
    shift,
    relativeShift,
    confidencePercent,
  )}${describeMargin(increase, `+ ${describeAllowance(compare.maxIncrease)}`)}${describeMargin(decrease, `− ${describeAllowance(compare.maxDecrease)}`)}, ${formatPValue(test.pValue)}`;
  const details = {
    canary,
    stable,
    shift,
    mannWhitney: test,
    ...(relativeShift === undefined ? {} : { relativeShift }),
    ...(increase || decrease ? { margins: { ...(increase ? { increase } : {}), ...(decrease ? { decrease } : {}) } } : {}),
    ...carried,
  };
  const decided: Judgement = { ...decide({ compare, final: input.final === true, sequential, shift, margins, numbers }), ...details };
  return withoutInfinitePass(withoutCappedVerdict(decided, input.capping, numbers), numbers);
}

interface Evidence {
  readonly compare: Compare;
  readonly final: boolean;
  readonly sequential: SequentialOutcome | undefined;
  readonly shift: ShiftEstimate;
  readonly margins: Margins;
  /** The message's numbers: medians, shift and margins with their intervals, p-value. */
  readonly numbers: string;
}

/** Steps 2 and 3 of the order of decisions, on enough data: the sequential test, then the fixed horizon. */
function decide(evidence: Evidence): Pick<Judgement, "classification" | "decidedBy" | "message"> {
  const { compare, sequential, numbers } = evidence;
  if (sequential?.rejected !== undefined) {
    const classification = sequential.rejected === "increase" ? "High" : "Low";
    const side = sequential.rejected === "increase" ? sequential.state.increase : sequential.state.decrease;
    const e = sequential.rejected === "increase" ? sequential.eIncrease : sequential.eDecrease;
    return {
      classification,
      decidedBy: "sequential",
      message: `${numbers}; sequential test: canary worse in ${side.worse} of ${side.pairs} paired steps, e=${formatValue(e)} ≥ ${formatValue(
        1 / sequential.levelPerSide,
      )} → ${classification} (early)`,
    };
  }
  if (compare.sequential && !evidence.final) {
    return {
      classification: "Pass",
      decidedBy: "none",
      message: `${numbers}; no conclusive evidence yet (sequential e=${formatValue(watchedEValue(compare.direction, sequential))}, needs ${formatValue(
        1 / (sequential?.levelPerSide ?? 1),
      )}) → Pass so far`,
    };
  }
  const fixed = classifyShift(evidence.shift, evidence.margins, compare.direction);
  return { classification: fixed, decidedBy: "fixed-horizon", message: `${numbers} → ${fixed}` };
}
