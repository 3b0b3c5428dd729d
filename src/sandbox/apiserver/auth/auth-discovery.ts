// Discovery for what RBAC mode serves besides the registry's kinds: the authorization.k8s.io reviews,
// authentication.k8s.io's SelfSubjectReview, and ServiceAccounts' `token` subresource in /api/v1.
import type { JsonObject, JsonValue } from "../../../util/json.ts";

interface VirtualResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export const AUTH_GROUPS: Record<string, VirtualResource[]> = {
  "authentication.k8s.io": [{ name: "selfsubjectreviews", kind: "SelfSubjectReview", namespaced: false }],
  "authorization.k8s.io": [
    { name: "localsubjectaccessreviews", kind: "LocalSubjectAccessReview", namespaced: true },
    { name: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview", namespaced: false },
    { name: "selfsubjectrulesreviews", kind: "SelfSubjectRulesReview", namespaced: false },
    { name: "subjectaccessreviews", kind: "SubjectAccessReview", namespaced: false },
  ],
};

const groupVersions = (group: string) => [{ groupVersion: `${group}/v1`, version: "v1" }];

/** /apis with the auth groups added. */
export function withAuthGroups(groupList: JsonObject): JsonObject {
  const groups = Array.isArray(groupList["groups"]) ? groupList["groups"] : [];
  const added: JsonValue[] = Object.keys(AUTH_GROUPS).map((name) => ({ name, versions: groupVersions(name), preferredVersion: groupVersions(name)[0] ?? {} }));
  return { ...groupList, groups: [...groups, ...added] };
}

export function authGroupDocument(group: string): JsonObject | undefined {
  if (!AUTH_GROUPS[group]) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions: groupVersions(group), preferredVersion: groupVersions(group)[0] ?? {} };
}

export function authResourceList(group: string, version: string): JsonObject | undefined {
  const resources = AUTH_GROUPS[group];
  if (!resources || version !== "v1") return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: `${group}/v1`,
    resources: resources.map((r) => ({ name: r.name, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ["create"] })),
  };
}

/** /api/v1 with `serviceaccounts/token` after `serviceaccounts`. */
export function withTokenSubresource(coreList: JsonObject): JsonObject {
  const resources = Array.isArray(coreList["resources"]) ? [...coreList["resources"]] : [];
  const token: JsonObject = { name: "serviceaccounts/token", singularName: "", namespaced: true, group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"] };
  const at = resources.findIndex((r) => typeof r === "object" && r !== null && !Array.isArray(r) && r["name"] === "serviceaccounts");
  resources.splice(at >= 0 ? at + 1 : resources.length, 0, token);
  return { ...coreList, resources };
}
