/**
 * The pod template of a Rollout. We validate the fields sluice reads (labels, containers' names and
 * images, env for the sandbox) and keep every other field as given: in the CRD this subtree carries
 * x-kubernetes-preserve-unknown-fields so the API server does not prune real pod specs.
 */
import { z } from "zod";
import { stringMap } from "./fields.ts";

export const containerSchema = z.looseObject({
  name: z.string().min(1, { error: "must be the container's name" }),
  image: z.string().min(1, { error: "must be the container image, e.g. ghcr.io/acme/checkout:1.4.2" }),
  env: z
    .array(z.looseObject({ name: z.string().min(1), value: z.string().optional() }))
    .optional(),
});

export const podTemplateSchema = z.looseObject({
  metadata: z
    .looseObject({
      labels: stringMap().optional(),
      annotations: stringMap().optional(),
    })
    .optional(),
  spec: z.looseObject({
    containers: z.array(containerSchema).min(1, { error: "must list at least one container" }),
  }),
});

export type PodTemplate = z.infer<typeof podTemplateSchema>;
export type Container = z.infer<typeof containerSchema>;
