/** How a Rollout points at analysis templates and passes them arguments (shared by canary and blue-green). */
import { z } from "zod";
import { exactlyOneOf, k8sName, secretKeyRef } from "./fields.ts";

export const templateRefSchema = z
  .strictObject({
    templateName: k8sName().describe("Name of the AnalysisTemplate (or, with clusterScope, the ClusterAnalysisTemplate)."),
    clusterScope: z
      .boolean()
      .default(false)
      .describe("true = a ClusterAnalysisTemplate; false = an AnalysisTemplate in the Rollout's namespace. Default false."),
  })
  .describe("A reference to an AnalysisTemplate or a ClusterAnalysisTemplate.");

export const argValueFromSchema = exactlyOneOf({
  podTemplateHashValue: z
    .enum(["Stable", "Latest"])
    .optional()
    .describe("The pod-template hash of a ReplicaSet: Stable (the stable version) or Latest (the newest, i.e. the canary or preview)."),
  fieldRef: z
    .strictObject({
      fieldPath: z.string().min(1).describe("Path of the Rollout's field, e.g. metadata.name or metadata.labels['app']."),
    })
    .optional()
    .describe("A field of the Rollout."),
  secretKeyRef: secretKeyRef()
    .optional()
    .describe("A key of a Secret in the Rollout's namespace, read at measurement time and never copied into the AnalysisRun."),
});

/** An argument as a Rollout passes it: a literal value or where to read it from. */
export const rolloutArgSchema = z
  .strictObject({
    name: z.string().min(1).describe("Name of the argument, as templates use it in {{args.NAME}}."),
    value: z.string().optional().describe("Literal value of the argument (not with valueFrom)."),
    valueFrom: argValueFromSchema
      .optional()
      .describe("Where to read the value from (not with value): exactly one of podTemplateHashValue, fieldRef, secretKeyRef."),
  })
  .refine((a) => !(a.value !== undefined && a.valueFrom !== undefined), {
    message: "set either value or valueFrom, not both",
  })
  .describe("An argument: a name with a literal value, or where to read the value from.");

export const rolloutAnalysisSchema = z.strictObject({
  templates: z
    .array(templateRefSchema)
    .min(1, { error: "must name at least one template" })
    .describe("The templates whose metrics the AnalysisRun measures together; at least one."),
  args: z
    .array(rolloutArgSchema)
    .optional()
    .describe("Arguments passed to the templates; every argument a template declares without a value must be given here."),
});

export type TemplateRef = z.infer<typeof templateRefSchema>;
export type RolloutArg = z.infer<typeof rolloutArgSchema>;
export type RolloutAnalysis = z.infer<typeof rolloutAnalysisSchema>;
