/**
 * Mann-Whitney U test (Wilcoxon rank-sum test) with the normal approximation, the tie-corrected variance and a
 * continuity correction of 0.5: the computation of R's `wilcox.test(x, y, exact = FALSE, correct = TRUE)`, which
 * is also what Kayenta's NetflixACAJudge uses. x is the canary, y the stable (baseline) sample.
 *
 * The normal approximation is what the judge needs: canary metrics have at least `minSamples` (default 50)
 * points per side, real latency series have ties, and R itself switches to it in both cases.
 */
import { wilcoxonRankSum } from "simple-statistics";
import { normalCdf, normalSurvival } from "./normal.ts";

/** two-sided: the distributions differ; greater: x tends to be larger than y; less: x tends to be smaller. */
export type Alternative = "two-sided" | "greater" | "less";

export interface MannWhitneyResult {
  /** U of x: the number of pairs (xi, yj) with xi > yj, ties counting one half. R reports it as W. */
  readonly u: number;
  /** Standardised statistic after the continuity correction. */
  readonly z: number;
  readonly pValue: number;
  readonly alternative: Alternative;
}

/** Σ(t³ - t) over groups of equal values: the tie term of the rank-sum variance. */
export function tieTerm(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) {
      run++;
    } else {
      sum += run * run * run - run;
      run = 1;
    }
  }
  return sum;
}

/** Standard deviation of U under H0 with the tie correction, for sizes n, m and tie term Σ(t³ - t). */
export function rankSumSigma(n: number, m: number, ties: number): number {
  const total = n + m;
  const variance = ((n * m) / 12) * (total + 1 - ties / (total * (total - 1)));
  return Math.sqrt(Math.max(0, variance));
}

/**
 * Requires both samples non-empty and without NaN; ±Infinity rank as the extreme values (two +Inf tie). The
 * judge checks that before calling. `correct: false` drops the
 * continuity correction (R's `correct = FALSE`); it exists to check against published values computed that way.
 */
export function mannWhitney(
  x: readonly number[],
  y: readonly number[],
  alternative: Alternative = "two-sided",
  correct = true,
): MannWhitneyResult {
  const n = x.length;
  const m = y.length;
  const rankSumX = wilcoxonRankSum([...x], [...y]);
  const u = rankSumX - (n * (n + 1)) / 2;
  const centred = u - (n * m) / 2;
  const sigma = rankSumSigma(n, m, tieTerm([...x, ...y]));
  if (sigma === 0) {
    // Every observation tied: the ranks carry no evidence either way.
    return { u, z: 0, pValue: 1, alternative };
  }
  const correction = !correct ? 0 : alternative === "two-sided" ? Math.sign(centred) * 0.5 : alternative === "greater" ? 0.5 : -0.5;
  const z = (centred - correction) / sigma;
  const pValue =
    alternative === "two-sided"
      ? Math.min(1, 2 * Math.min(normalCdf(z), normalSurvival(z)))
      : alternative === "greater"
        ? normalSurvival(z)
        : normalCdf(z);
  return { u, z, pValue, alternative };
}
