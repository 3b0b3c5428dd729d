/** Where the canary's traffic weight is applied. Absent = by replica ratio (no router). */
import { z } from "zod";
import { exactlyOneOf, k8sName, stringMap } from "./fields.ts";

export const gatewayApiRoutingSchema = z.strictObject({
  /** HTTPRoute whose rules name stableService and canaryService in backendRefs. */
  httpRoute: k8sName(),
  /** Namespace of the HTTPRoute; defaults to the Rollout's. */
  namespace: k8sName().optional(),
});

export const nginxRoutingSchema = z.strictObject({
  /** The user's Ingress for the stable Service; sluice creates and owns a canary Ingress cloned from it. */
  stableIngress: k8sName(),
  /** Annotation prefix of the ingress-nginx installation. */
  annotationPrefix: z.string().default("nginx.ingress.kubernetes.io"),
  /** Extra annotations put on the canary Ingress. */
  additionalIngressAnnotations: stringMap().optional(),
});

export const istioRoutingSchema = z.strictObject({
  virtualService: z.strictObject({
    name: k8sName(),
    /** Names of the VirtualService http routes to manage; empty = the single route, which must exist. */
    routes: z.array(z.string().min(1)).optional(),
  }),
  /** Route by DestinationRule subsets pinned to pod-template hashes instead of by Service host. */
  destinationRule: z
    .strictObject({
      name: k8sName(),
      canarySubsetName: z.string().min(1),
      stableSubsetName: z.string().min(1),
    })
    .optional(),
});

export const smiRoutingSchema = z.strictObject({
  /** Name of the TrafficSplit sluice creates; defaults to the Rollout's name. */
  trafficSplitName: k8sName().optional(),
  /** Root service of the split; defaults to stableService. */
  rootService: k8sName().optional(),
});

export const trafficRoutingSchema = exactlyOneOf({
  gatewayAPI: gatewayApiRoutingSchema.optional(),
  nginx: nginxRoutingSchema.optional(),
  istio: istioRoutingSchema.optional(),
  smi: smiRoutingSchema.optional(),
});

export type TrafficRouting = z.infer<typeof trafficRoutingSchema>;
export type RouterType = keyof TrafficRouting;
