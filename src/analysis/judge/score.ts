/**
 * 0-100 score over the compare metrics of one analysis, after Kayenta's WeightedSumScorer with a single group:
 * 100·Pass / (Pass + High + Low) over the metrics that had data.
 *
 * Overrides, in this order:
 * - a critical metric classified High or Low: score 0, Failed, whatever the others say;
 * - a critical metric without data, or half or more of the metrics without data: score 0 and Inconclusive.
 *   Kayenta fails the canary here; sluice never turns missing data into a pass nor into a failure that reads
 *   like a regression, so the verdict is Inconclusive and the reason names the metrics without data.
 * Then Successful at or above passScore, Inconclusive (marginal) at or above marginalScore, Failed below.
 */
import type { z } from "zod";
import type { judgeSettingsSchema } from "../../api/analysis-template.ts";
import type { Classification } from "./classify.ts";

export type JudgeSettings = z.output<typeof judgeSettingsSchema>;

export interface MetricOutcome {
  readonly name: string;
  readonly classification: Classification;
  readonly critical: boolean;
}

export type Verdict = "Successful" | "Inconclusive" | "Failed";

export interface ScoreResult {
  readonly score: number;
  readonly verdict: Verdict;
  readonly reason: string;
}

export const DEFAULT_JUDGE_SETTINGS: JudgeSettings = { passScore: 95, marginalScore: 75 };

export function scoreMetrics(outcomes: readonly MetricOutcome[], settings: JudgeSettings = DEFAULT_JUDGE_SETTINGS): ScoreResult {
  if (outcomes.length === 0) return { score: 0, verdict: "Inconclusive", reason: "no compare metrics to score" };
  const criticalFailures = outcomes.filter((o) => o.critical && (o.classification === "High" || o.classification === "Low"));
  if (criticalFailures.length > 0) {
    const names = criticalFailures.map((o) => `${o.name} (${o.classification})`).join(", ");
    return { score: 0, verdict: "Failed", reason: `critical metric failed: ${names}` };
  }
  const noData = outcomes.filter((o) => o.classification === "NoData");
  const criticalNoData = noData.filter((o) => o.critical);
  if (criticalNoData.length > 0) {
    return { score: 0, verdict: "Inconclusive", reason: `critical metric without data: ${criticalNoData.map((o) => o.name).join(", ")}` };
  }
  if (noData.length * 2 >= outcomes.length) {
    return {
      score: 0,
      verdict: "Inconclusive",
      reason: `${noData.length} of ${outcomes.length} metrics without data: ${noData.map((o) => o.name).join(", ")}`,
    };
  }
  const withData = outcomes.filter((o) => o.classification !== "NoData");
  const passed = withData.filter((o) => o.classification === "Pass").length;
  const score = (100 * passed) / withData.length;
  const failedNames = withData.filter((o) => o.classification !== "Pass").map((o) => `${o.name} (${o.classification})`);
  const detail = `${passed} of ${withData.length} metrics passed${failedNames.length > 0 ? `; not passed: ${failedNames.join(", ")}` : ""}${
    noData.length > 0 ? `; without data: ${noData.map((o) => o.name).join(", ")}` : ""
  }`;
  if (score >= settings.passScore) return { score, verdict: "Successful", reason: detail };
  if (score >= settings.marginalScore) return { score, verdict: "Inconclusive", reason: `marginal score: ${detail}` };
  return { score, verdict: "Failed", reason: detail };
}
