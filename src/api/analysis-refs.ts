/** How a Rollout points at analysis templates and passes them arguments (shared by canary and blue-green). */
import { z } from "zod";
import { exactlyOneOf, k8sName, secretKeyRef } from "./fields.ts";

export const templateRefSchema = z.strictObject({
  templateName: k8sName(),
  /** true = a ClusterAnalysisTemplate, false (default) = an AnalysisTemplate in the Rollout's namespace. */
  clusterScope: z.boolean().default(false),
});

export const argValueFromSchema = exactlyOneOf({
  /** The pod-template hash of the stable or the newest (canary/preview) ReplicaSet. */
  podTemplateHashValue: z.enum(["Stable", "Latest"]).optional(),
  /** A field of the Rollout, e.g. metadata.name or metadata.labels['app']. */
  fieldRef: z.strictObject({ fieldPath: z.string().min(1) }).optional(),
  secretKeyRef: secretKeyRef().optional(),
});

/** An argument as a Rollout passes it: a literal value or where to read it from. */
export const rolloutArgSchema = z
  .strictObject({
    name: z.string().min(1),
    value: z.string().optional(),
    valueFrom: argValueFromSchema.optional(),
  })
  .refine((a) => !(a.value !== undefined && a.valueFrom !== undefined), {
    message: "set either value or valueFrom, not both",
  });

export const rolloutAnalysisSchema = z.strictObject({
  templates: z.array(templateRefSchema).min(1, { error: "must name at least one template" }),
  args: z.array(rolloutArgSchema).optional(),
});

export type TemplateRef = z.infer<typeof templateRefSchema>;
export type RolloutArg = z.infer<typeof rolloutArgSchema>;
export type RolloutAnalysis = z.infer<typeof rolloutAnalysisSchema>;
