// RFC 6902 JSON patch (application/json-patch+json).
import { deepClone, deepEqual, isObject, type JsonValue } from "../../../util/json.ts";

export class JsonPatchError extends Error {}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new JsonPatchError(`invalid JSON pointer: ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function resolveParent(root: JsonValue, tokens: string[], op: string): { parent: JsonValue; key: string } {
  let current: JsonValue = root;
  for (const token of tokens.slice(0, -1)) {
    const next: JsonValue | undefined = Array.isArray(current) ? current[Number(token)] : isObject(current) ? current[token] : undefined;
    if (next === undefined) throw new JsonPatchError(`${op} operation does not apply: doc is missing path: "/${tokens.join("/")}": missing value`);
    current = next;
  }
  return { parent: current, key: tokens[tokens.length - 1] ?? "" };
}

function getAt(root: JsonValue, pointer: string): JsonValue {
  let current: JsonValue = root;
  for (const token of parsePointer(pointer)) {
    const next: JsonValue | undefined = Array.isArray(current) ? current[Number(token)] : isObject(current) ? current[token] : undefined;
    if (next === undefined) throw new JsonPatchError(`doc is missing path: "${pointer}": missing value`);
    current = next;
  }
  return current;
}

function add(root: JsonValue, pointer: string, value: JsonValue): JsonValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(root, tokens, "add");
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new JsonPatchError(`add operation does not apply: index out of bounds: ${key}`);
    parent.splice(index, 0, value);
  } else if (isObject(parent)) {
    parent[key] = value;
  } else {
    throw new JsonPatchError(`add operation does not apply: doc is missing path: "${pointer}": missing value`);
  }
  return root;
}

function remove(root: JsonValue, pointer: string, op = "remove"): JsonValue {
  const tokens = parsePointer(pointer);
  const { parent, key } = resolveParent(root, tokens, op);
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length) throw new JsonPatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    parent.splice(index, 1);
  } else if (isObject(parent) && Object.hasOwn(parent, key)) {
    delete parent[key];
  } else {
    throw new JsonPatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  }
  return root;
}

export function applyJsonPatch(document: JsonValue, operations: unknown): JsonValue {
  if (!Array.isArray(operations)) throw new JsonPatchError("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let doc = deepClone(document);
  for (const raw of operations) {
    if (!isObject(raw)) throw new JsonPatchError("invalid JSON patch operation");
    const op = raw["op"];
    const path = raw["path"];
    if (typeof path !== "string") throw new JsonPatchError(`${String(op)} operation does not apply: missing path`);
    const value = raw["value"];
    switch (op) {
      case "add":
        if (value === undefined) throw new JsonPatchError("add operation does not apply: missing value");
        doc = add(doc, path, deepClone(value));
        break;
      case "remove":
        doc = remove(doc, path);
        break;
      case "replace":
        if (value === undefined) throw new JsonPatchError("replace operation does not apply: missing value");
        getAt(doc, path);
        if (path === "") doc = deepClone(value);
        else doc = add(remove(doc, path, "replace"), path, deepClone(value));
        break;
      case "move":
      case "copy": {
        const from = raw["from"];
        if (typeof from !== "string") throw new JsonPatchError(`${op} operation does not apply: missing from`);
        const moved = deepClone(getAt(doc, from));
        if (op === "move") doc = remove(doc, from, "move");
        doc = add(doc, path, moved);
        break;
      }
      case "test":
        if (!deepEqual(getAt(doc, path), value)) throw new JsonPatchError(`testing value ${path} failed: test failed`);
        break;
      default:
        throw new JsonPatchError(`Unexpected kind: ${String(op)}`);
    }
  }
  return doc;
}
