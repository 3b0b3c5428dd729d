// Minimal server-side apply (application/apply-patch+yaml), the "minimum viable" variant of
// sheet §5.4: the applied configuration is merged into the live object (maps recursively; lists
// per x-kubernetes-list-type / patch merge keys, atomic otherwise); fields this manager applied
// before and now omits are removed unless another applier owns them; setting a field another
// *applier* owns to a different value is a conflict unless forced. Ownership is tracked for
// Apply operations only (Update writers never conflict here — a real server would report them).
import { deepClone, deepEqual, isObject, type JsonObject, type JsonValue } from "../../../util/json.ts";
import { encodeFieldsV1, decodeFieldsV1, formatPath, pathId, type FieldPath } from "./field-paths.ts";
import type { PatchMeta } from "./patch-meta.ts";
import type { StructuralSchema } from "../crd-schema.ts";

export type ListKind = { type: "atomic" } | { type: "set" } | { type: "map"; keys: string[] };

/** Where we are in the type: answers list kinds and descends into fields/items. */
export interface SchemaNav {
  field(name: string): SchemaNav;
  items(): SchemaNav;
  listKind(): ListKind;
}

const ATOMIC: SchemaNav = { field: () => ATOMIC, items: () => ATOMIC, listKind: () => ({ type: "atomic" }) };

export function navFromSchema(schema: StructuralSchema | undefined): SchemaNav {
  if (!schema) return ATOMIC;
  return {
    field(name) {
      const props = schema["properties"];
      const additional = schema["additionalProperties"];
      if (isObject(props) && isObject(props[name])) return navFromSchema(props[name] as StructuralSchema);
      return isObject(additional) ? navFromSchema(additional) : ATOMIC;
    },
    items() {
      const items = schema["items"];
      return isObject(items) ? navFromSchema(items) : ATOMIC;
    },
    listKind() {
      const t = schema["x-kubernetes-list-type"];
      const keys = schema["x-kubernetes-list-map-keys"];
      if (t === "map" && Array.isArray(keys)) return { type: "map", keys: keys.filter((k): k is string => typeof k === "string") };
      if (t === "set") return { type: "set" };
      return { type: "atomic" };
    },
  };
}

export function navFromPatchMeta(meta: PatchMeta | undefined, list?: { mergeKey?: string; merge: boolean }): SchemaNav {
  return {
    field(name) {
      const f = meta?.fields[name];
      return navFromPatchMeta(f?.meta, { merge: f?.strategy?.includes("merge") ?? false, ...(f?.mergeKey !== undefined ? { mergeKey: f.mergeKey } : {}) });
    },
    items: () => navFromPatchMeta(meta),
    listKind() {
      if (!list?.merge) return { type: "atomic" };
      return list.mergeKey !== undefined ? { type: "map", keys: [list.mergeKey] } : { type: "set" };
    },
  };
}

/** Leaf paths (and list-map items) set by an applied configuration. */
export function appliedPaths(value: JsonValue, nav: SchemaNav, prefix: FieldPath = []): FieldPath[] {
  if (isObject(value)) {
    const out: FieldPath[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (prefix.length === 0 && (k === "apiVersion" || k === "kind")) continue;
      if (prefix.length === 1 && "field" in (prefix[0] ?? {}) && (prefix[0] as { field: string }).field === "metadata" && !["labels", "annotations", "finalizers", "ownerReferences"].includes(k)) continue;
      const childNav = nav.field(k);
      if (isObject(v) && Object.keys(v).length > 0) out.push(...appliedPaths(v, childNav, [...prefix, { field: k }]));
      else if (Array.isArray(v)) out.push(...listPaths(v, childNav, [...prefix, { field: k }]));
      else out.push([...prefix, { field: k }]);
    }
    return out;
  }
  return prefix.length ? [prefix] : [];
}

function listPaths(list: JsonValue[], nav: SchemaNav, prefix: FieldPath): FieldPath[] {
  const kind = nav.listKind();
  if (kind.type === "atomic") return [prefix];
  if (kind.type === "set") return list.map((v) => [...prefix, { value: v }]);
  const out: FieldPath[] = [];
  for (const item of list) {
    if (!isObject(item)) continue;
    const key: JsonObject = {};
    for (const k of kind.keys) if (item[k] !== undefined) key[k] = item[k] as JsonValue;
    const itemPath: FieldPath = [...prefix, { key }];
    out.push(itemPath);
    for (const p of appliedPaths(item, nav.items(), itemPath)) if (p.length > itemPath.length) out.push(p);
  }
  return out;
}

function keyOf(item: JsonValue, keys: string[]): JsonObject | undefined {
  if (!isObject(item)) return undefined;
  const key: JsonObject = {};
  for (const k of keys) if (item[k] !== undefined) key[k] = item[k] as JsonValue;
  return key;
}

/** Value at a path in an object (undefined when absent). */
export function valueAt(root: JsonValue, path: FieldPath, nav: SchemaNav): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  let n = nav;
  for (const e of path) {
    if (current === undefined) return undefined;
    if ("field" in e) {
      current = isObject(current) ? current[e.field] : undefined;
      n = n.field(e.field);
    } else if ("key" in e) {
      const kind = n.listKind();
      const keys = kind.type === "map" ? kind.keys : Object.keys(e.key);
      current = Array.isArray(current) ? current.find((item) => deepEqual(keyOf(item, keys), e.key)) : undefined;
      n = n.items();
    } else {
      current = Array.isArray(current) && current.some((v) => deepEqual(v, e.value)) ? e.value : undefined;
    }
  }
  return current;
}

function removeAt(root: JsonObject, path: FieldPath, nav: SchemaNav): void {
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  if (!last) return;
  let parentNav = nav;
  for (const e of parentPath) parentNav = "field" in e ? parentNav.field(e.field) : parentNav.items();
  const parent = parentPath.length ? valueAt(root, parentPath, nav) : root;
  if ("field" in last) {
    if (isObject(parent)) delete parent[last.field];
    return;
  }
  // A list element: find the list that holds it.
  if (!Array.isArray(parent)) return;
  const kind = parentNav.listKind();
  const index = "key" in last ? parent.findIndex((item) => deepEqual(keyOf(item, kind.type === "map" ? kind.keys : Object.keys(last.key)), last.key)) : parent.findIndex((v) => deepEqual(v, last.value));
  if (index >= 0) parent.splice(index, 1);
}

/** Merge the applied configuration into `live` (mutated). */
function mergeApplied(live: JsonObject, applied: JsonObject, nav: SchemaNav): void {
  for (const [k, v] of Object.entries(applied)) {
    const childNav = nav.field(k);
    const current = live[k];
    if (isObject(v) && isObject(current)) mergeApplied(current, v, childNav);
    else if (Array.isArray(v) && Array.isArray(current)) live[k] = mergeList(current, v, childNav);
    else live[k] = deepClone(v);
  }
}

function mergeList(current: JsonValue[], applied: JsonValue[], nav: SchemaNav): JsonValue[] {
  const kind = nav.listKind();
  if (kind.type === "atomic") return deepClone(applied);
  if (kind.type === "set") {
    const out = [...current];
    for (const v of applied) if (!out.some((c) => deepEqual(c, v))) out.push(deepClone(v));
    return out;
  }
  const out = [...current];
  for (const item of applied) {
    const key = keyOf(item, kind.keys);
    const index = out.findIndex((c) => deepEqual(keyOf(c, kind.keys), key));
    const existing = index >= 0 ? out[index] : undefined;
    if (isObject(existing) && isObject(item)) {
      const merged = deepClone(existing);
      mergeApplied(merged, item, nav.items());
      out[index] = merged;
    } else if (index >= 0) out[index] = deepClone(item);
    else out.push(deepClone(item));
  }
  return out;
}

export interface ManagedEntry {
  manager: string;
  operation: string;
  apiVersion: string;
  time: string;
  paths: FieldPath[];
  subresource?: string;
}

export function readManagedFields(metadata: JsonObject): ManagedEntry[] {
  const list = metadata["managedFields"];
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((e) => {
    const entry: ManagedEntry = {
      manager: String(e["manager"] ?? ""),
      operation: String(e["operation"] ?? ""),
      apiVersion: String(e["apiVersion"] ?? ""),
      time: String(e["time"] ?? ""),
      paths: decodeFieldsV1(e["fieldsV1"]),
    };
    if (typeof e["subresource"] === "string") entry.subresource = e["subresource"];
    return entry;
  });
}

export function writeManagedFields(entries: readonly ManagedEntry[]): JsonObject[] {
  return entries
    .filter((e) => e.paths.length > 0)
    .map((e) => {
      const out: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time, fieldsType: "FieldsV1", fieldsV1: encodeFieldsV1(e.paths) };
      if (e.subresource) out["subresource"] = e.subresource;
      return out;
    });
}

export interface ApplyConflict {
  manager: string;
  path: FieldPath;
}

export class ApplyConflictError extends Error {
  readonly conflicts: ApplyConflict[];
  constructor(conflicts: ApplyConflict[]) {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), formatPath(c.path)]);
    const n = conflicts.length;
    let message: string;
    if (n === 1) {
      const c = conflicts[0];
      message = `Apply failed with 1 conflict: conflict with ${JSON.stringify(c?.manager ?? "")}: ${c ? formatPath(c.path) : ""}`;
    } else {
      message = `Apply failed with ${n} conflicts: ` + [...byManager].map(([m, paths]) => `conflicts with ${JSON.stringify(m)}:\n${paths.map((p) => `- ${p}`).join("\n")}`).join("\n");
    }
    super(message);
    this.conflicts = conflicts;
  }
}

export interface ApplyInput {
  live: JsonObject | undefined;
  applied: JsonObject;
  manager: string;
  force: boolean;
  nav: SchemaNav;
  apiVersion: string;
  now: string;
}

/** The object to write (with managedFields) for an apply by `manager`. */
export function serverSideApply(input: ApplyInput): JsonObject {
  const { applied, manager, nav } = input;
  const live = input.live ? deepClone(input.live) : { apiVersion: applied["apiVersion"] ?? null, kind: applied["kind"] ?? null, metadata: {} };
  const liveMeta = isObject(live["metadata"]) ? live["metadata"] : {};
  live["metadata"] = liveMeta;
  const entries = readManagedFields(liveMeta);
  const newPaths = appliedPaths(applied, nav);
  const newIds = new Set(newPaths.map(pathId));
  const mine = entries.find((e) => e.manager === manager && e.operation === "Apply");
  const others = entries.filter((e) => !(e.manager === manager && e.operation === "Apply"));

  const conflicts: ApplyConflict[] = [];
  for (const other of others.filter((e) => e.operation === "Apply")) {
    for (const p of other.paths) {
      const last = p[p.length - 1];
      // List-map items are containers; only their fields (and other leaves) can conflict.
      if (!newIds.has(pathId(p)) || (last !== undefined && "key" in last)) continue;
      if (!deepEqual(valueAt(live, p, nav), valueAt(applied, p, nav))) conflicts.push({ manager: other.manager, path: p });
    }
  }
  if (conflicts.length > 0 && !input.force) throw new ApplyConflictError(conflicts);
  if (input.force) {
    const taken = new Set(conflicts.map((c) => pathId(c.path)));
    for (const o of others) o.paths = o.paths.filter((p) => !taken.has(pathId(p)));
  }

  // Fields this manager applied before and no longer applies are removed, unless someone else
  // still owns them.
  const ownedByOthers = new Set(others.flatMap((o) => o.paths.map(pathId)));
  const dropped = (mine?.paths ?? []).filter((p) => !newIds.has(pathId(p)) && !ownedByOthers.has(pathId(p)));
  for (const p of dropped.sort((a, b) => b.length - a.length)) removeAt(live, p, nav);

  const appliedBody = deepClone(applied);
  const appliedMeta = isObject(appliedBody["metadata"]) ? appliedBody["metadata"] : {};
  delete appliedBody["metadata"];
  mergeApplied(live, appliedBody, nav);
  for (const key of ["labels", "annotations"] as const) {
    const a = appliedMeta[key];
    if (isObject(a)) liveMeta[key] = { ...(isObject(liveMeta[key]) ? liveMeta[key] : {}), ...a };
  }
  for (const key of ["finalizers", "ownerReferences"] as const) {
    const a = appliedMeta[key];
    if (Array.isArray(a)) liveMeta[key] = mergeList(Array.isArray(liveMeta[key]) ? liveMeta[key] : [], a, nav.field("metadata").field(key));
  }
  if (typeof applied["apiVersion"] === "string") live["apiVersion"] = applied["apiVersion"];

  // The manager's entry keeps its place (or is appended); emptied entries disappear.
  const next: ManagedEntry = { manager, operation: "Apply", apiVersion: input.apiVersion, time: input.now, paths: newPaths };
  const ordered = mine ? entries.map((e) => (e === mine ? next : e)) : [...entries, next];
  liveMeta["managedFields"] = writeManagedFields(ordered);
  return live;
}
