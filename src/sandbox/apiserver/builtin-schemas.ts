// Pruning schemas for the built-in kinds, derived from @kubernetes/client-node's generated
// models (every model class lists its JSON fields in `attributeTypeMap`). The real server
// decodes built-ins into typed structs, so unknown fields are dropped/warned/rejected exactly
// like CR fields outside the schema; without this, a typo such as `spec.replcas` in a
// Deployment would be stored silently. Only used for pruning (not type validation). The schema
// graph can be cyclic (JSONSchemaProps), so it is never serialised.
import * as clientNode from "@kubernetes/client-node";
import type { StructuralSchema } from "./crd-schema.ts";

interface Attribute {
  baseName: string;
  type: string;
}

const models = clientNode as unknown as Record<string, unknown>;

function attributesOf(className: string): Attribute[] | undefined {
  const cls = models[className];
  if (typeof cls !== "function") return undefined;
  const getter: unknown = (cls as { getAttributeTypeMap?: unknown }).getAttributeTypeMap;
  if (typeof getter !== "function") return undefined;
  const list: unknown = getter.call(cls);
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((a: unknown) => {
    if (typeof a !== "object" || a === null) return [];
    const { baseName, type } = a as { baseName?: unknown; type?: unknown };
    return typeof baseName === "string" && typeof type === "string" ? [{ baseName, type }] : [];
  });
}

const PRESERVE: StructuralSchema = { "x-kubernetes-preserve-unknown-fields": true };

function schemaForType(type: string, cache: Map<string, StructuralSchema>): StructuralSchema {
  const t = type.trim();
  switch (t) {
    case "string":
    case "Date":
      return { type: "string" };
    case "number":
      return { type: "number" };
    case "boolean":
      return { type: "boolean" };
    case "IntOrString":
      return { "x-kubernetes-int-or-string": true };
    case "any":
    case "object":
      return PRESERVE;
  }
  const array = /^Array<(.+)>$/.exec(t);
  if (array) return { type: "array", items: schemaForType(array[1] ?? "any", cache) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (map) return { type: "object", additionalProperties: schemaForType(map[1] ?? "any", cache) };
  const cached = cache.get(t);
  if (cached) return cached;
  const attributes = attributesOf(t);
  if (!attributes) return PRESERVE;
  const properties: StructuralSchema = {};
  const schema: StructuralSchema = { type: "object", properties };
  cache.set(t, schema);
  for (const a of attributes) properties[a.baseName] = schemaForType(a.type, cache);
  return schema;
}

const MODEL_BY_KIND: Record<string, string> = {
  "/Namespace": "V1Namespace",
  "/Service": "V1Service",
  "/Endpoints": "V1Endpoints",
  "/ConfigMap": "V1ConfigMap",
  "/Secret": "V1Secret",
  "/Pod": "V1Pod",
  "/Event": "CoreV1Event",
  "events.k8s.io/Event": "EventsV1Event",
  "apps/Deployment": "V1Deployment",
  "apps/ReplicaSet": "V1ReplicaSet",
  "batch/Job": "V1Job",
  "discovery.k8s.io/EndpointSlice": "V1EndpointSlice",
  "networking.k8s.io/Ingress": "V1Ingress",
  "coordination.k8s.io/Lease": "V1Lease",
  "apiextensions.k8s.io/CustomResourceDefinition": "V1CustomResourceDefinition",
  "/ServiceAccount": "V1ServiceAccount",
  "apps/StatefulSet": "V1StatefulSet",
  "policy/PodDisruptionBudget": "V1PodDisruptionBudget",
  "rbac.authorization.k8s.io/Role": "V1Role",
  "rbac.authorization.k8s.io/ClusterRole": "V1ClusterRole",
  "rbac.authorization.k8s.io/RoleBinding": "V1RoleBinding",
  "rbac.authorization.k8s.io/ClusterRoleBinding": "V1ClusterRoleBinding",
};

const shared = new Map<string, StructuralSchema>();

/** Pruning schema for a built-in kind, or undefined when the model is unknown. */
export function builtinPruneSchema(group: string, kind: string): StructuralSchema | undefined {
  const model = MODEL_BY_KIND[`${group}/${kind}`];
  if (!model || !attributesOf(model)) return undefined;
  return schemaForType(model, shared);
}
