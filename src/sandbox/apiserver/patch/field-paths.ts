// Field paths and FieldsV1 (the managedFields encoding) for server-side apply. A path is a list
// of elements: a map field (`f:name`), a list-map item identified by its keys (`k:{"name":"c"}`)
// or a set value (`v:"a"`). Only what SSA needs: leaves, list items, encode/decode, formatting.
import { isObject, type JsonObject, type JsonValue } from "../../../util/json.ts";

export type PathElement = { field: string } | { key: JsonObject } | { value: JsonValue };
export type FieldPath = PathElement[];

export function pathId(path: FieldPath): string {
  return JSON.stringify(path);
}

/** `.spec.containers[name="c"].image` — the form used in SSA conflict messages. */
export function formatPath(path: FieldPath): string {
  return path
    .map((e) => {
      if ("field" in e) return `.${e.field}`;
      if ("key" in e) return `[${Object.entries(e.key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
      return `[=${JSON.stringify(e.value)}]`;
    })
    .join("");
}

function elementKey(e: PathElement): string {
  if ("field" in e) return `f:${e.field}`;
  if ("key" in e) return `k:${JSON.stringify(e.key)}`;
  return `v:${JSON.stringify(e.value)}`;
}

function parseElementKey(k: string): PathElement | undefined {
  if (k.startsWith("f:")) return { field: k.slice(2) };
  try {
    if (k.startsWith("k:")) {
      const key: unknown = JSON.parse(k.slice(2));
      return isObject(key) ? { key } : undefined;
    }
    if (k.startsWith("v:")) return { value: JSON.parse(k.slice(2)) as JsonValue };
  } catch {
    return undefined;
  }
  return undefined;
}

/** FieldsV1 tree of a set of paths (items owned as a whole carry a "." entry). */
export function encodeFieldsV1(paths: readonly FieldPath[]): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    path.forEach((e, i) => {
      const k = elementKey(e);
      const child = isObject(node[k]) ? (node[k] as JsonObject) : {};
      node[k] = child;
      if (i === path.length - 1 && "key" in e) child["."] = {};
      node = child;
    });
  }
  return root;
}

export function decodeFieldsV1(tree: unknown): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (node: unknown, prefix: FieldPath): void => {
    if (!isObject(node)) return;
    const entries = Object.entries(node).filter(([k]) => k !== ".");
    if (entries.length === 0 || "." in node) if (prefix.length > 0) out.push(prefix);
    for (const [k, child] of entries) {
      const e = parseElementKey(k);
      if (e) walk(child, [...prefix, e]);
    }
  };
  walk(tree, []);
  return out;
}
