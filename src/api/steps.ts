/** Canary steps: each step sets exactly one of the fields below. */
import { z } from "zod";
import { rolloutAnalysisSchema } from "./analysis-refs.ts";
import { duration, exactlyOneOf, intRange, weight } from "./fields.ts";

export const stringMatchSchema = exactlyOneOf({
  exact: z.string().optional().describe("Match this exact value."),
  prefix: z
    .string()
    .optional()
    .describe("Match values that start with this (routers without prefix matching get an anchored regex)."),
  regex: z
    .string()
    .optional()
    .describe("Match values against this regular expression, in the router's dialect (RE2 for Istio)."),
}).describe("How a value is matched: exactly one of exact, prefix, regex.");

export const headerRouteMatchSchema = z
  .strictObject({
    headerName: z.string().min(1).describe("Name of the request header to match."),
    headerValue: stringMatchSchema.describe("How the header's value must match: exactly one of exact, prefix, regex."),
  })
  .describe("A request header condition.");

export const setHeaderRouteSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .describe("Name of the managed route; a later step with the same name and no match removes it."),
  match: z
    .array(headerRouteMatchSchema)
    .optional()
    .describe("Header conditions a request must all meet to be sent to the canary. Absent or empty = remove the route named name."),
});

export const mirrorRouteMatchSchema = z
  .strictObject({
    method: stringMatchSchema.optional().describe("How the request's HTTP method must match (exact only with Gateway API)."),
    path: stringMatchSchema.optional().describe("How the request's path must match."),
    headers: z
      .record(z.string(), stringMatchSchema)
      .optional()
      .describe("Request headers that must match: header name -> how its value must match."),
  })
  .describe("A request condition of a mirror route; every field given must match.");

export const setMirrorRouteSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .describe("Name of the managed mirror route; a later step with the same name and no match removes it."),
  percentage: weight()
    .default(100)
    .describe("Percentage (0-100) of the matching requests copied to the canary (its responses are discarded). Default 100."),
  match: z
    .array(mirrorRouteMatchSchema)
    .optional()
    .describe("Request conditions, any one of which selects a request for mirroring; an empty list mirrors all the route's requests. Absent = remove the route named name."),
});

export const setCanaryScaleSchema = exactlyOneOf({
  replicas: intRange(0).optional().describe("Run exactly this many canary pods."),
  weight: weight()
    .optional()
    .describe("Run canary pods for this percentage (0-100) of spec.replicas, rounded up."),
  matchTrafficWeight: z
    .literal(true, { error: "must be true (leave it out to not match)" })
    .optional()
    .describe("true: size the canary by its traffic weight again (undoes an earlier setCanaryScale)."),
});

export const pauseSchema = z.strictObject({
  duration: duration()
    .optional()
    .describe('How long to wait, a duration ("30s", "5m", "1h30m") or whole seconds. Absent = wait for `sluice promote`.'),
});

export const canaryStepSchema = exactlyOneOf({
  setWeight: weight()
    .optional()
    .describe("Percentage of traffic (0-100) the router sends to the canary at this step; without a traffic router, the canary's share of replicas."),
  pause: pauseSchema
    .optional()
    .describe("Wait for duration, or without one until `sluice promote`."),
  analysis: rolloutAnalysisSchema
    .optional()
    .describe("Run an AnalysisRun of the templates and wait for it: Successful goes on, Failed or Error aborts, Inconclusive pauses."),
  setCanaryScale: setCanaryScaleSchema
    .optional()
    .describe("Size the canary independently of its traffic weight (needs trafficRouting): exactly one of replicas, weight, matchTrafficWeight. Holds until a later setCanaryScale."),
  setHeaderRoute: setHeaderRouteSchema
    .optional()
    .describe("Send the requests that match every header condition to the canary, whatever its weight (Gateway API, nginx, Istio)."),
  setMirrorRoute: setMirrorRouteSchema
    .optional()
    .describe("Copy a percentage of the matching requests to the canary (Gateway API, Istio)."),
}).describe("Each step sets exactly one of the fields below.");

export type CanaryStep = z.infer<typeof canaryStepSchema>;
export type StringMatch = z.infer<typeof stringMatchSchema>;
export type SetHeaderRoute = z.infer<typeof setHeaderRouteSchema>;
export type SetMirrorRoute = z.infer<typeof setMirrorRouteSchema>;
