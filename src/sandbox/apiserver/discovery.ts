// Legacy (non-aggregated) discovery documents. Serving only these is fully supported by
// client-go (sheet §1.6): it then fetches /api/v1 and each /apis/G/V. Content-Type must be
// exactly `application/json` for kubectl 1.27.0/1.27.1.
import type { JsonObject } from "../../util/json.ts";
import type { Registry } from "./registry.ts";
import type { ResourceType } from "./resource-type.ts";

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

export function versionDocument(v: ServerVersion): JsonObject {
  return {
    major: v.major,
    minor: v.minor,
    gitVersion: v.gitVersion,
    gitCommit: "5c1c0f1a2b3c4d5e6f708192a3b4c5d6e7f80912",
    gitTreeState: "clean",
    buildDate: "2025-04-22T16:00:00Z",
    goVersion: "go1.23.8",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function coreVersions(serverAddress: string): JsonObject {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function groupList(registry: Registry): JsonObject {
  const groups = registry
    .groups()
    .filter((g) => g.name !== "")
    .map((g) => {
      const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
      return { name: g.name, versions, preferredVersion: versions[0] ?? { groupVersion: "", version: "" } };
    });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function groupDocument(registry: Registry, group: string): JsonObject | undefined {
  const g = registry.groups().find((x) => x.name === group);
  if (!g || group === "") return undefined;
  const versions = g.versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions, preferredVersion: versions[0] ?? {} };
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const SUB_VERBS = ["get", "patch", "update"];

function resourceEntries(t: ResourceType): JsonObject[] {
  const main: JsonObject = {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: ALL_VERBS,
  };
  if (t.shortNames.length) main["shortNames"] = t.shortNames;
  if (t.categories.length) main["categories"] = t.categories;
  main["storageVersionHash"] = Buffer.from(`${t.group}/${t.kind}`).toString("base64").slice(0, 12);
  // The main entry must come before `x/status` (same kind): client-node takes the first match.
  const entries: JsonObject[] = [main];
  if (t.statusSubresource) entries.push({ name: `${t.plural}/status`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: SUB_VERBS });
  if (t.scale) {
    entries.push({ name: `${t.plural}/scale`, singularName: "", namespaced: t.namespaced, group: "autoscaling", version: "v1", kind: "Scale", verbs: SUB_VERBS });
  }
  return entries;
}

export function resourceList(registry: Registry, group: string, version: string): JsonObject | undefined {
  const types = registry.typesIn(group, version);
  if (types.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources: types.flatMap(resourceEntries),
  };
}
