/** AnalysisRun: one execution of templates' metrics for one rollout step (or the whole rollout). */
import { z } from "zod";
import { rolloutArgSchema } from "./analysis-refs.ts";
import { judgeSettingsSchema } from "./analysis-template.ts";
import { sluiceKind, stringMap } from "./fields.ts";
import { metricSchema } from "./metric.ts";

export const analysisPhaseSchema = z.enum(["Pending", "Running", "Successful", "Failed", "Inconclusive", "Error"]);

const PHASES = "Pending, Running, Successful, Failed, Inconclusive or Error";

export const measurementSchema = z
  .strictObject({
    phase: analysisPhaseSchema.describe(`Verdict of the measurement: ${PHASES} (Running: a judge's look before the last, or a Job still running).`),
    value: z
      .string()
      .optional()
      .describe('The measured value as text ("0.0123", "[0.2, 0.4]", "NaN"), exactly what the condition judged; a judge\'s estimated shift ("+12.5%").'),
    startedAt: z.iso.datetime().optional().describe("When the measurement started (RFC 3339)."),
    finishedAt: z.iso.datetime().optional().describe("When the measurement finished (RFC 3339)."),
    message: z.string().optional().describe("Why the measurement has its phase (no data, the judge's interval and p-value, an error)."),
    warnings: z.array(z.string()).optional().describe("Warnings attached to the measurement (from Prometheus, or overlapping points)."),
    metadata: stringMap()
      .optional()
      .describe("Extra facts behind the verdict (judge statistics, sample counts, capped quantiles, the Job's name), as name: value."),
  })
  .describe("One measurement of a metric.");

export const metricResultSchema = z
  .strictObject({
    name: z.string().describe("Name of the metric."),
    phase: analysisPhaseSchema.describe(`Phase of the metric: ${PHASES}.`),
    dryRun: z.boolean().optional().describe("True for a dryRun metric: measured and shown, never decides the run."),
    measurements: z
      .array(measurementSchema)
      .optional()
      .describe("The latest measurements, oldest first, at most the metric's measurementRetention."),
    count: z.int().default(0).describe("Measurements taken (a running Job's is counted once it ends)."),
    successful: z.int().default(0).describe("Successful measurements."),
    failed: z.int().default(0).describe("Failed measurements."),
    inconclusive: z.int().default(0).describe("Inconclusive measurements."),
    error: z.int().default(0).describe("Error measurements (retried at the next interval)."),
    consecutiveError: z.int().default(0).describe("Error measurements in a row, up to the latest; compared with consecutiveErrorLimit."),
    consecutiveSuccess: z.int().default(0).describe("Successful measurements in a row, up to the latest; compared with consecutiveSuccessLimit."),
    message: z.string().optional().describe("The latest measurement's message, or why the metric ended."),
  })
  .describe("The progress and verdict of one metric.");

export const analysisRunSpecSchema = z.strictObject({
  metrics: z
    .array(metricSchema)
    .min(1)
    .describe("The metrics to measure, copied from the templates (at least one)."),
  args: z
    .array(rolloutArgSchema)
    .optional()
    .describe("Arguments with their resolved values; a Secret's value stays a reference (valueFrom.secretKeyRef), read at measurement time."),
  judge: judgeSettingsSchema
    .optional()
    .describe("Score thresholds of the compare metrics' judge: passScore (default 95) and marginalScore (default 75)."),
  /**
   * The share of its rollout revision's false-abort budget (1 - confidence) this run may spend, set by the
   * controller (1/K for K judged gates, src/core/false-abort-share.ts); absent = 1, a run made by hand spends
   * its whole confidence.
   */
  falseAbortShare: z
    .number()
    .gt(0)
    .max(1)
    .optional()
    .describe("The share (above 0, at most 1) of its revision's false-abort budget, 1 - confidence, this run may spend; set by the controller to 1/K for K judged gates. Absent = 1."),
  terminate: z
    .boolean()
    .default(false)
    .describe("Set by the controller when the rollout no longer needs the run: measuring stops and every metric settles where it stands. Default false."),
});

export const analysisRunStatusSchema = z.strictObject({
  phase: analysisPhaseSchema.optional().describe(`Phase of the run: ${PHASES}.`),
  message: z.string().optional().describe("Why the run is in its phase (which metric failed, the judge's score)."),
  startedAt: z.iso.datetime().optional().describe("When the run started (RFC 3339); initialDelay and the first interval count from it."),
  completedAt: z.iso.datetime().optional().describe("When the run reached its final phase (RFC 3339)."),
  metricResults: z.array(metricResultSchema).optional().describe("One result per metric: counters and the latest measurements."),
  score: z.number().optional().describe("Judge score (0-100) over the compare metrics, when there are any."),
});

export const analysisRunSchema = sluiceKind(
  "AnalysisRun",
  analysisRunSpecSchema.describe("What to measure: the resolved metrics and arguments."),
)
  .extend({
    status: analysisRunStatusSchema
      .optional()
      .describe("The measurements and verdicts so far, written by the analysis runner."),
  })
  .describe("An AnalysisRun is one execution of analysis templates' metrics, for a rollout step, the whole rollout or a blue-green promotion; its status holds the numbers that decided.");

export type AnalysisPhase = z.infer<typeof analysisPhaseSchema>;
export type Measurement = z.infer<typeof measurementSchema>;
export type MetricResult = z.infer<typeof metricResultSchema>;
export type AnalysisRun = z.infer<typeof analysisRunSchema>;
export type AnalysisRunStatus = z.infer<typeof analysisRunStatusSchema>;
