/**
 * The pod template of a Rollout. We validate the fields sluice reads (labels, containers' names and
 * images, env for the sandbox) and keep every other field as given: in the CRD this subtree carries
 * x-kubernetes-preserve-unknown-fields so the API server does not prune real pod specs.
 */
import { z } from "zod";
import { stringMap } from "./fields.ts";

export const containerSchema = z
  .looseObject({
    name: z.string().min(1, { error: "must be the container's name" }).describe("Name of the container, unique within the pod (a DNS label)."),
    image: z
      .string()
      .min(1, { error: "must be the container image, e.g. ghcr.io/acme/checkout:1.4.2" })
      .describe("Container image, e.g. ghcr.io/acme/checkout:1.4.2."),
    env: z
      .array(
        z
          .looseObject({
            name: z.string().min(1).describe("Name of the environment variable."),
            value: z.string().optional().describe("Value of the variable (or use valueFrom, as in a core/v1 EnvVar)."),
          })
          .describe("An environment variable (a core/v1 EnvVar)."),
      )
      .optional()
      .describe("Environment variables of the container."),
  })
  .describe("A container (a core/v1 Container); every field beyond name, image and env is kept as given.");

export const podTemplateSchema = z.looseObject({
  metadata: z
    .looseObject({
      labels: stringMap().optional().describe("Labels of the pods (key: value)."),
      annotations: stringMap().optional().describe("Annotations of the pods (key: value)."),
    })
    .optional()
    .describe("Metadata of the pods: labels and annotations (other ObjectMeta fields are kept as given)."),
  spec: z
    .looseObject({
      containers: z
        .array(containerSchema)
        .min(1, { error: "must list at least one container" })
        .describe("The pod's containers; at least one."),
    })
    .describe("The pod spec (a core/v1 PodSpec); sluice reads containers and keeps every other field as given."),
});

export type PodTemplate = z.infer<typeof podTemplateSchema>;
export type Container = z.infer<typeof containerSchema>;
