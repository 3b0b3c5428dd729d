// Strategic merge patch (application/strategic-merge-patch+json) for built-in kinds, following
// apimachinery's pkg/util/strategicpatch semantics: lists merge by their patchMergeKey, `null`
// deletes, and the `$patch`, `$setElementOrder/`, `$deleteFromPrimitiveList/`, `$retainKeys`
// directives are honoured (sheet §5.3).
import { deepClone, deepEqual, isObject, type JsonObject, type JsonValue } from "../../../util/json.ts";
import type { FieldPatchMeta, PatchMeta } from "./patch-meta.ts";

export class StrategicMergeError extends Error {}

const SET_ORDER = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE = "$deleteFromPrimitiveList/";

export function applyStrategicMergePatch(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined): JsonObject {
  const result = mergeMap(deepClone(original), patch, meta);
  return result ?? {};
}

/** Merge `patch` into `target` (mutated and returned); undefined means "delete this map". */
function mergeMap(target: JsonObject, patch: JsonObject, meta: PatchMeta | undefined): JsonObject | undefined {
  const directive = patch["$patch"];
  if (directive === "delete") return undefined;
  if (directive === "replace") return stripDirectives(withoutKey(patch, "$patch")) as JsonObject;
  if (directive !== undefined && directive !== "merge") {
    throw new StrategicMergeError(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  }

  const retainKeys = patch["$retainKeys"];
  if (Array.isArray(retainKeys)) {
    const keep = new Set(retainKeys.filter((k): k is string => typeof k === "string"));
    for (const key of Object.keys(target)) if (!keep.has(key)) delete target[key];
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys" || key.startsWith(SET_ORDER)) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE)) {
      const listKey = key.slice(DELETE_FROM_PRIMITIVE.length);
      const current = target[listKey];
      if (Array.isArray(current) && Array.isArray(value)) {
        target[listKey] = current.filter((item) => !value.some((v) => deepEqual(v, item)));
      }
      continue;
    }
    const fieldMeta = meta?.fields[key];
    if (value === null) {
      delete target[key];
      continue;
    }
    const current = target[key];
    if (isObject(value)) {
      if (isObject(current)) {
        const merged = mergeMap(current, value, fieldMeta?.meta);
        if (merged === undefined) delete target[key];
        else target[key] = merged;
      } else if (value["$patch"] === "delete") {
        delete target[key];
      } else {
        const fresh = mergeMap({}, value, fieldMeta?.meta);
        if (fresh !== undefined) target[key] = fresh;
      }
      continue;
    }
    if (Array.isArray(value)) {
      target[key] = mergeList(Array.isArray(current) ? current : [], value, fieldMeta);
      continue;
    }
    target[key] = value;
  }

  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER) || !Array.isArray(order)) continue;
    const listKey = key.slice(SET_ORDER.length);
    const list = target[listKey];
    if (Array.isArray(list)) target[listKey] = applyElementOrder(list, order, meta?.fields[listKey]?.mergeKey);
  }
  return target;
}

function mergeList(current: JsonValue[], patch: JsonValue[], fieldMeta: FieldPatchMeta | undefined): JsonValue[] {
  const merging = fieldMeta?.strategy?.includes("merge") ?? false;
  const replaceMarker = patch.findIndex((e) => isObject(e) && e["$patch"] === "replace" && Object.keys(e).length === 1);
  if (replaceMarker >= 0) {
    return patch.filter((_, i) => i !== replaceMarker).map(stripDirectives);
  }
  if (!merging) return patch.map(stripDirectives);
  const mergeKey = fieldMeta?.mergeKey;
  if (mergeKey === undefined) {
    // Merging primitive list (e.g. finalizers): union, keeping the current order first.
    const result = [...current];
    for (const item of patch) if (!result.some((r) => deepEqual(r, item))) result.push(item);
    return result;
  }
  const result = [...current];
  for (const item of patch) {
    if (!isObject(item)) throw new StrategicMergeError(`merging an object in json but data type is not map: ${JSON.stringify(item)}`);
    const keyValue = item[mergeKey];
    if (keyValue === undefined) {
      throw new StrategicMergeError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    }
    const index = result.findIndex((r) => isObject(r) && deepEqual(r[mergeKey], keyValue));
    if (item["$patch"] === "delete") {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    const existing = index >= 0 ? result[index] : undefined;
    if (isObject(existing)) {
      const merged = mergeMap(existing, item, fieldMeta?.meta);
      if (merged === undefined) result.splice(index, 1);
      else result[index] = merged;
    } else {
      const fresh = mergeMap({}, item, fieldMeta?.meta);
      if (fresh !== undefined) result.push(fresh);
    }
  }
  return result;
}

/** Reorder per `$setElementOrder`: listed items first in the given order, then the rest as they were. */
function applyElementOrder(list: JsonValue[], order: JsonValue[], mergeKey: string | undefined): JsonValue[] {
  const identity = (v: JsonValue): JsonValue | undefined => (mergeKey !== undefined && isObject(v) ? v[mergeKey] : v);
  const ordered: JsonValue[] = [];
  const used = new Set<number>();
  for (const o of order) {
    const want = identity(o);
    const index = list.findIndex((item, i) => !used.has(i) && deepEqual(identity(item), want));
    if (index >= 0) {
      used.add(index);
      const item = list[index];
      if (item !== undefined) ordered.push(item);
    }
  }
  list.forEach((item, i) => {
    if (!used.has(i)) ordered.push(item);
  });
  return ordered;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

/** New content from a patch must not carry directives or nulls into the stored object. */
function stripDirectives(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith("$") || v === null) continue;
    out[k] = stripDirectives(v);
  }
  return out;
}
