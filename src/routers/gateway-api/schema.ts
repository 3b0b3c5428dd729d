/**
 * The parts of a Gateway API HTTPRoute (gateway.networking.k8s.io/v1) the router reads. Every object is
 * loose: fields we do not read (timeouts, sessionPersistence, vendor extensions) are kept as they are.
 */
import { z } from "zod";
import { kubeObjectSchema } from "../kube-object.ts";

export const backendRefSchema = z.looseObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().min(1),
  namespace: z.string().optional(),
  port: z.int().optional(),
  /** Proportional; 1 when absent, 0 = no traffic. */
  weight: z.int().min(0).optional(),
});

export const headerMatchSchema = z.looseObject({
  type: z.string().optional(),
  name: z.string(),
  value: z.string(),
});

export const routeMatchSchema = z.looseObject({
  path: z.looseObject({ type: z.string().optional(), value: z.string().optional() }).optional(),
  headers: z.array(headerMatchSchema).optional(),
  queryParams: z.array(z.unknown()).optional(),
  method: z.string().optional(),
});

export const routeFilterSchema = z.looseObject({ type: z.string() });

export const routeRuleSchema = z.looseObject({
  /** Optional rule name (GEP-995, standard since v1.2): how sluice marks the rules it adds. */
  name: z.string().optional(),
  matches: z.array(routeMatchSchema).optional(),
  filters: z.array(routeFilterSchema).optional(),
  backendRefs: z.array(backendRefSchema).optional(),
});

export const httpRouteSchema = kubeObjectSchema.extend({
  spec: z.looseObject({ rules: z.array(routeRuleSchema).optional() }),
});

export type HTTPRoute = z.infer<typeof httpRouteSchema>;
export type HTTPRouteRule = z.infer<typeof routeRuleSchema>;
export type HTTPRouteMatch = z.infer<typeof routeMatchSchema>;
export type HTTPBackendRef = z.infer<typeof backendRefSchema>;
export type HTTPHeaderMatch = z.infer<typeof headerMatchSchema>;

export const HTTP_ROUTE_API_VERSION = "gateway.networking.k8s.io/v1";
