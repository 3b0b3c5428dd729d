/** Canary steps: each step sets exactly one of the fields below. */
import { z } from "zod";
import { rolloutAnalysisSchema } from "./analysis-refs.ts";
import { duration, exactlyOneOf, intRange, weight } from "./fields.ts";

export const stringMatchSchema = exactlyOneOf({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  regex: z.string().optional(),
});

export const headerRouteMatchSchema = z.strictObject({
  headerName: z.string().min(1),
  headerValue: stringMatchSchema,
});

export const setHeaderRouteSchema = z.strictObject({
  /** Name of the managed route; a later step with the same name and no match removes it. */
  name: z.string().min(1),
  match: z.array(headerRouteMatchSchema).optional(),
});

export const mirrorRouteMatchSchema = z.strictObject({
  method: stringMatchSchema.optional(),
  path: stringMatchSchema.optional(),
  headers: z.record(z.string(), stringMatchSchema).optional(),
});

export const setMirrorRouteSchema = z.strictObject({
  name: z.string().min(1),
  /** Share of matching requests copied to the canary (responses are discarded). */
  percentage: weight().default(100),
  match: z.array(mirrorRouteMatchSchema).optional(),
});

export const setCanaryScaleSchema = exactlyOneOf({
  replicas: intRange(0).optional(),
  weight: weight().optional(),
  matchTrafficWeight: z.literal(true, { error: "must be true (leave it out to not match)" }).optional(),
});

export const pauseSchema = z.strictObject({
  /** Absent = wait for `sluice promote`. */
  duration: duration().optional(),
});

export const canaryStepSchema = exactlyOneOf({
  setWeight: weight().optional(),
  pause: pauseSchema.optional(),
  analysis: rolloutAnalysisSchema.optional(),
  setCanaryScale: setCanaryScaleSchema.optional(),
  setHeaderRoute: setHeaderRouteSchema.optional(),
  setMirrorRoute: setMirrorRouteSchema.optional(),
});

export type CanaryStep = z.infer<typeof canaryStepSchema>;
export type StringMatch = z.infer<typeof stringMatchSchema>;
export type SetHeaderRoute = z.infer<typeof setHeaderRouteSchema>;
export type SetMirrorRoute = z.infer<typeof setMirrorRouteSchema>;
