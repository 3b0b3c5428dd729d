/**
 * SMI TrafficSplit (split.smi-spec.io). v1alpha2..v1alpha4: `spec.service` is the root (apex) Service
 * clients call, `spec.backends[{service, weight}]` with whole-number, proportional weights; v1alpha3+
 * may add `spec.matches` (kept as is). v1alpha1 wrote weights as Kubernetes quantities ("100m", "1").
 */
import { z } from "zod";
import { kubeObjectSchema } from "../kube-object.ts";

export const SMI_GROUP = "split.smi-spec.io";
export const SMI_VERSIONS = ["v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"] as const;
export type SmiVersion = (typeof SMI_VERSIONS)[number];
export const DEFAULT_SMI_VERSION: SmiVersion = "v1alpha2";

export const QUANTITY = /^(\d+(?:\.\d+)?)(m?)$/;

export const trafficSplitBackendSchema = z.looseObject({
  service: z.string().min(1),
  weight: z.union([z.int().min(0), z.string().regex(QUANTITY)]).optional(),
});

export const trafficSplitSchema = kubeObjectSchema.extend({
  apiVersion: z.string().startsWith(`${SMI_GROUP}/`),
  spec: z.looseObject({
    service: z.string().min(1),
    backends: z.array(trafficSplitBackendSchema),
  }),
});

export type TrafficSplit = z.infer<typeof trafficSplitSchema>;
export type TrafficSplitBackend = z.infer<typeof trafficSplitBackendSchema>;

/** A backend's weight as a number: integers as they are, v1alpha1 quantities ("500m" = 0.5) parsed. */
export function backendWeight(backend: TrafficSplitBackend): number {
  if (typeof backend.weight === "number") return backend.weight;
  const match = QUANTITY.exec(backend.weight ?? "0");
  if (!match) return 0;
  const value = Number(match[1]);
  return match[2] === "m" ? value / 1000 : value;
}
