/** AnalysisTemplate (namespaced) and ClusterAnalysisTemplate (cluster-wide): reusable metric definitions. */
import { z } from "zod";
import { rolloutArgSchema } from "./analysis-refs.ts";
import { intRange, sluiceKind } from "./fields.ts";
import { metricSchema } from "./metric.ts";

export const judgeSettingsSchema = z.strictObject({
  /** Score (0-100) at or above which the compare metrics pass. */
  passScore: intRange(0, 100).default(95),
  /** Score at or above which the result is marginal (Inconclusive) rather than Failed. */
  marginalScore: intRange(0, 100).default(75),
});

export const analysisTemplateSpecSchema = z.strictObject({
  /** Declared arguments; one without value must be given by the Rollout. */
  args: z.array(rolloutArgSchema).optional(),
  metrics: z.array(metricSchema).min(1, { error: "must define at least one metric" }),
  judge: judgeSettingsSchema.optional(),
});

const templateKind = <Kind extends string>(kind: Kind) => sluiceKind(kind, analysisTemplateSpecSchema);

export const analysisTemplateSchema = templateKind("AnalysisTemplate");
export const clusterAnalysisTemplateSchema = templateKind("ClusterAnalysisTemplate");

export type AnalysisTemplate = z.infer<typeof analysisTemplateSchema>;
export type ClusterAnalysisTemplate = z.infer<typeof clusterAnalysisTemplateSchema>;
export type AnalysisTemplateSpec = z.infer<typeof analysisTemplateSpecSchema>;
