/** AnalysisTemplate (namespaced) and ClusterAnalysisTemplate (cluster-wide): reusable metric definitions. */
import { z } from "zod";
import { rolloutArgSchema } from "./analysis-refs.ts";
import { intRange, sluiceKind } from "./fields.ts";
import { metricSchema } from "./metric.ts";

export const judgeSettingsSchema = z.strictObject({
  passScore: intRange(0, 100)
    .default(95)
    .describe("Judge score (0-100), over the compare metrics' latest verdicts, at or above which they pass. Default 95."),
  marginalScore: intRange(0, 100)
    .default(75)
    .describe("Score (0-100) at or above which a result below passScore is marginal (Inconclusive) rather than Failed. Default 75."),
});

export const analysisTemplateSpecSchema = z.strictObject({
  args: z
    .array(rolloutArgSchema)
    .optional()
    .describe("Arguments the metrics use as {{args.NAME}}; one declared without value or valueFrom must be passed by the Rollout."),
  metrics: z
    .array(metricSchema)
    .min(1, { error: "must define at least one metric" })
    .describe("The metrics to measure, at least one; any metric (not dryRun) that ends Failed, Error or Inconclusive decides the run."),
  judge: judgeSettingsSchema
    .optional()
    .describe("Score thresholds of the compare metrics' judge: passScore (default 95) and marginalScore (default 75)."),
});

const templateKind = <Kind extends string>(kind: Kind, description: string) =>
  sluiceKind(kind, analysisTemplateSpecSchema.describe("The template: its arguments, metrics and judge settings.")).describe(description);

export const analysisTemplateSchema = templateKind(
  "AnalysisTemplate",
  "An AnalysisTemplate defines reusable analysis metrics, in a namespace; Rollouts in that namespace name it in their analysis templates.",
);
export const clusterAnalysisTemplateSchema = templateKind(
  "ClusterAnalysisTemplate",
  "A ClusterAnalysisTemplate defines reusable analysis metrics for the whole cluster; a Rollout names it with clusterScope: true.",
);

export type AnalysisTemplate = z.infer<typeof analysisTemplateSchema>;
export type ClusterAnalysisTemplate = z.infer<typeof clusterAnalysisTemplateSchema>;
export type AnalysisTemplateSpec = z.infer<typeof analysisTemplateSpecSchema>;
