/** The parts of a networking.k8s.io/v1 Ingress the nginx router reads; everything else is kept. */
import { z } from "zod";
import { kubeObjectSchema } from "../kube-object.ts";

export const ingressBackendSchema = z.looseObject({
  service: z
    .looseObject({
      name: z.string().min(1),
      port: z.looseObject({ number: z.int().optional(), name: z.string().optional() }).optional(),
    })
    .optional(),
});

export const ingressPathSchema = z.looseObject({
  path: z.string().optional(),
  pathType: z.string().optional(),
  backend: ingressBackendSchema,
});

export const ingressRuleSchema = z.looseObject({
  host: z.string().optional(),
  http: z.looseObject({ paths: z.array(ingressPathSchema) }).optional(),
});

export const ingressSchema = kubeObjectSchema.extend({
  spec: z.looseObject({
    ingressClassName: z.string().optional(),
    defaultBackend: ingressBackendSchema.optional(),
    rules: z.array(ingressRuleSchema).optional(),
  }),
});

export type Ingress = z.infer<typeof ingressSchema>;
export type IngressRule = z.infer<typeof ingressRuleSchema>;
export type IngressPath = z.infer<typeof ingressPathSchema>;

export const INGRESS_API_VERSION = "networking.k8s.io/v1";
