// OpenAPI v3 documents, just complete enough for `kubectl apply` (sheet §2): each group-version
// document has a PATCH operation per kind carrying `x-kubernetes-group-version-kind` and an
// inline `fieldValidation` parameter, so kubectl leaves field validation to us. Built-ins do not
// list strategic-merge in requestBody.content: kubectl then uses its compiled-in struct tags
// (real merge keys) instead of schema-less SMP. CR schemas are published under
// components.schemas so `kubectl explain` has something to show.
import { createHash } from "node:crypto";
import type { JsonObject } from "../../util/json.ts";
import type { Registry } from "./registry.ts";
import type { ResourceType } from "./resource-type.ts";

function gvPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

function itemPath(t: ResourceType): string {
  const base = `/${gvPath(t.group, t.version)}`;
  return t.namespaced ? `${base}/namespaces/{namespace}/${t.plural}/{name}` : `${base}/${t.plural}/{name}`;
}

function schemaName(t: ResourceType): string {
  const reversedGroup = t.group === "" ? "io.k8s.api.core" : t.group.split(".").reverse().join(".");
  return `${reversedGroup}.${t.version}.${t.kind}`;
}

export function groupVersionDocument(registry: Registry, group: string, version: string, gitVersion: string): JsonObject | undefined {
  const types = registry.typesIn(group, version);
  if (types.length === 0) return undefined;
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  for (const t of types) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const content: JsonObject = {
      "application/json-patch+json": { schema: { type: "object" } },
      "application/merge-patch+json": { schema: { type: "object" } },
      "application/apply-patch+yaml": { schema: { type: "object" } },
    };
    const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
    const params: JsonObject[] = [
      { name: "name", in: "path", required: true, schema: { type: "string" } },
      ...(t.namespaced ? [{ name: "namespace", in: "path", required: true, schema: { type: "string" } }] : []),
      { name: "dryRun", in: "query", schema: { type: "string" } },
      { name: "fieldManager", in: "query", schema: { type: "string" } },
      { name: "fieldValidation", in: "query", schema: { type: "string" } },
      { name: "force", in: "query", schema: { type: "boolean" } },
    ];
    paths[itemPath(t)] = {
      get: { "x-kubernetes-group-version-kind": gvk, "x-kubernetes-action": "get", responses: { "200": { description: "OK", content: { "application/json": { schema: ref } } } } },
      patch: {
        "x-kubernetes-group-version-kind": gvk,
        "x-kubernetes-action": "patch",
        parameters: params,
        requestBody: { content, required: true },
        responses: { "200": { description: "OK", content: { "application/json": { schema: ref } } } },
      },
    };
    const schema: JsonObject = t.schema ? { ...t.schema } : { type: "object" };
    schema["x-kubernetes-group-version-kind"] = [gvk];
    schemas[schemaName(t)] = schema;
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: gitVersion }, paths, components: { schemas } };
}

export function hashDocument(doc: JsonObject): string {
  return createHash("sha512").update(JSON.stringify(doc)).digest("hex").slice(0, 64).toUpperCase();
}

export function openApiRoot(registry: Registry, gitVersion: string): JsonObject {
  const paths: JsonObject = {};
  for (const g of registry.groups()) {
    for (const v of g.versions) {
      const doc = groupVersionDocument(registry, g.name, v, gitVersion);
      if (!doc) continue;
      const p = gvPath(g.name, v);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashDocument(doc)}` };
    }
  }
  return { paths };
}
