/** Where the canary's traffic weight is applied. Absent = by replica ratio (no router). */
import { z } from "zod";
import { exactlyOneOf, k8sName, stringMap } from "./fields.ts";

export const gatewayApiRoutingSchema = z.strictObject({
  httpRoute: k8sName().describe("Name of the Gateway API HTTPRoute whose rules name stableService and canaryService in backendRefs; sluice sets their weights."),
  namespace: k8sName().optional().describe("Namespace of the HTTPRoute. Absent = the Rollout's namespace."),
});

export const nginxRoutingSchema = z.strictObject({
  stableIngress: k8sName().describe("The user's Ingress for stableService; sluice creates and owns a canary Ingress cloned from it, with the canary annotations."),
  annotationPrefix: z
    .string()
    .default("nginx.ingress.kubernetes.io")
    .describe('Annotation prefix of the ingress-nginx installation. Default "nginx.ingress.kubernetes.io".'),
  additionalIngressAnnotations: stringMap()
    .optional()
    .describe("Extra annotations put on the canary Ingress (key: value)."),
});

export const istioRoutingSchema = z.strictObject({
  virtualService: z
    .strictObject({
      name: k8sName().describe("Name of the VirtualService, in the Rollout's namespace."),
      routes: z
        .array(z.string().min(1))
        .optional()
        .describe("Names of the VirtualService's http routes whose weights sluice sets. Absent or empty = its single http route, which must exist."),
    })
    .describe("The Istio VirtualService whose http routes send traffic to stable and canary."),
  destinationRule: z
    .strictObject({
      name: k8sName().describe("Name of the DestinationRule, in the Rollout's namespace."),
      canarySubsetName: z.string().min(1).describe("Subset that sluice pins to the canary's pod-template hash; must differ from stableSubsetName."),
      stableSubsetName: z.string().min(1).describe("Subset that sluice pins to the stable pod-template hash."),
    })
    .optional()
    .describe("Route by DestinationRule subsets pinned to pod-template hashes instead of by Service host (then stableService and canaryService are optional)."),
});

export const smiRoutingSchema = z.strictObject({
  trafficSplitName: k8sName().optional().describe("Name of the SMI TrafficSplit sluice creates and owns. Absent = the Rollout's name."),
  rootService: k8sName().optional().describe("Root Service of the TrafficSplit, the one clients call. Absent = stableService."),
});

export const trafficRoutingSchema = exactlyOneOf({
  gatewayAPI: gatewayApiRoutingSchema.optional().describe("Route with a Gateway API HTTPRoute (header and mirror routes supported)."),
  nginx: nginxRoutingSchema.optional().describe("Route with ingress-nginx canary annotations (header routes on one header, no mirror routes)."),
  istio: istioRoutingSchema.optional().describe("Route with an Istio VirtualService, by Service host or by DestinationRule subsets (header and mirror routes supported)."),
  smi: smiRoutingSchema.optional().describe("Route with an SMI TrafficSplit (weights only)."),
});

export type TrafficRouting = z.infer<typeof trafficRoutingSchema>;
export type RouterType = keyof TrafficRouting;
