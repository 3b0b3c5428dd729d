/** AnalysisRun: one execution of templates' metrics for one rollout step (or the whole rollout). */
import { z } from "zod";
import { rolloutArgSchema } from "./analysis-refs.ts";
import { judgeSettingsSchema } from "./analysis-template.ts";
import { sluiceKind, stringMap } from "./fields.ts";
import { metricSchema } from "./metric.ts";

export const analysisPhaseSchema = z.enum(["Pending", "Running", "Successful", "Failed", "Inconclusive", "Error"]);

export const measurementSchema = z.strictObject({
  phase: analysisPhaseSchema,
  /** The measured value as text ("0.0123", "[0.2, 0.4]", "NaN"), exactly what the condition judged. */
  value: z.string().optional(),
  startedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
  message: z.string().optional(),
  /** Warnings Prometheus attached to the response. */
  warnings: z.array(z.string()).optional(),
  /** Extra numbers behind the verdict (judge statistics, sample counts, capped quantiles). */
  metadata: stringMap().optional(),
});

export const metricResultSchema = z.strictObject({
  name: z.string(),
  phase: analysisPhaseSchema,
  dryRun: z.boolean().optional(),
  /** The latest measurements, at most measurementRetention. */
  measurements: z.array(measurementSchema).optional(),
  count: z.int().default(0),
  successful: z.int().default(0),
  failed: z.int().default(0),
  inconclusive: z.int().default(0),
  error: z.int().default(0),
  consecutiveError: z.int().default(0),
  consecutiveSuccess: z.int().default(0),
  message: z.string().optional(),
});

export const analysisRunSpecSchema = z.strictObject({
  metrics: z.array(metricSchema).min(1),
  /** Arguments with their resolved values (secret values stay references). */
  args: z.array(rolloutArgSchema).optional(),
  judge: judgeSettingsSchema.optional(),
  /**
   * The share of its rollout revision's false-abort budget (1 - confidence) this run may spend, set by the
   * controller (1/K for K judged gates, src/core/false-abort-share.ts); absent = 1, a run made by hand spends
   * its whole confidence.
   */
  falseAbortShare: z.number().gt(0).max(1).optional(),
  /** Set by the controller when the rollout no longer needs the run; the executor stops measuring. */
  terminate: z.boolean().default(false),
});

export const analysisRunStatusSchema = z.strictObject({
  phase: analysisPhaseSchema.optional(),
  message: z.string().optional(),
  startedAt: z.iso.datetime().optional(),
  completedAt: z.iso.datetime().optional(),
  metricResults: z.array(metricResultSchema).optional(),
  /** Judge score (0-100) over the compare metrics, when there are any. */
  score: z.number().optional(),
});

export const analysisRunSchema = sluiceKind("AnalysisRun", analysisRunSpecSchema).extend({ status: analysisRunStatusSchema.optional() });

export type AnalysisPhase = z.infer<typeof analysisPhaseSchema>;
export type Measurement = z.infer<typeof measurementSchema>;
export type MetricResult = z.infer<typeof metricResultSchema>;
export type AnalysisRun = z.infer<typeof analysisRunSchema>;
export type AnalysisRunStatus = z.infer<typeof analysisRunStatusSchema>;
