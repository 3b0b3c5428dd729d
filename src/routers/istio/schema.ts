/**
 * The parts of Istio's VirtualService and DestinationRule (networking.istio.io v1/v1beta1/v1alpha3, same
 * shape) the router reads. Loose objects: retries, timeouts, fault injection, corsPolicy and anything
 * newer stay as the user wrote them.
 */
import { z } from "zod";
import { kubeObjectSchema } from "../kube-object.ts";

export const destinationSchema = z.looseObject({
  host: z.string().min(1),
  subset: z.string().optional(),
  port: z.looseObject({ number: z.int().optional() }).optional(),
});

export const routeDestinationSchema = z.looseObject({
  destination: destinationSchema,
  /** Percent; the route's weights must add up to 100, a lone destination may leave it out. */
  weight: z.int().min(0).optional(),
});

const stringMatchSchema = z.looseObject({ exact: z.string().optional(), prefix: z.string().optional(), regex: z.string().optional() });

export const httpMatchSchema = z.looseObject({
  name: z.string().optional(),
  uri: stringMatchSchema.optional(),
  method: stringMatchSchema.optional(),
  headers: z.record(z.string(), stringMatchSchema).optional(),
});

export const httpRouteSchema = z.looseObject({
  name: z.string().optional(),
  match: z.array(httpMatchSchema).optional(),
  route: z.array(routeDestinationSchema).optional(),
  mirror: destinationSchema.optional(),
  mirrorPercentage: z.looseObject({ value: z.number() }).optional(),
});

export const virtualServiceSchema = kubeObjectSchema.extend({
  spec: z.looseObject({
    hosts: z.array(z.string()).optional(),
    http: z.array(httpRouteSchema).optional(),
  }),
});

export const subsetSchema = z.looseObject({
  name: z.string().min(1),
  labels: z.record(z.string(), z.string()).optional(),
});

export const destinationRuleSchema = kubeObjectSchema.extend({
  spec: z.looseObject({
    host: z.string().optional(),
    subsets: z.array(subsetSchema).optional(),
  }),
});

export type VirtualService = z.infer<typeof virtualServiceSchema>;
export type IstioHTTPRoute = z.infer<typeof httpRouteSchema>;
export type IstioHTTPMatch = z.infer<typeof httpMatchSchema>;
export type IstioDestination = z.infer<typeof destinationSchema>;
export type IstioRouteDestination = z.infer<typeof routeDestinationSchema>;
export type DestinationRule = z.infer<typeof destinationRuleSchema>;
