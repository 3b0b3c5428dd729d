// Plain JSON value helpers. Objects in the store are JSON trees; everything that touches them
// narrows from `unknown` through these guards instead of using `any`.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isArray(value: unknown): value is JsonValue[] {
  return Array.isArray(value);
}

export function deepClone<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const aKeys = Object.keys(a);
    if (aKeys.length !== Object.keys(b).length) return false;
    return aKeys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Child object at `key`, created when absent (or replaced when not an object). */
export function ensureObject(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

export function getPath(root: unknown, path: readonly string[]): JsonValue | undefined {
  let current: unknown = root;
  for (const segment of path) {
    if (!isObject(current)) return undefined;
    current = current[segment];
  }
  return current as JsonValue | undefined;
}

export function setPath(root: JsonObject, path: readonly string[], value: JsonValue): void {
  let current = root;
  for (const segment of path.slice(0, -1)) current = ensureObject(current, segment);
  const last = path[path.length - 1];
  if (last !== undefined) current[last] = value;
}

export function stringField(obj: unknown, key: string): string | undefined {
  if (!isObject(obj)) return undefined;
  const v = obj[key];
  return typeof v === "string" ? v : undefined;
}

export function objectField(obj: unknown, key: string): JsonObject | undefined {
  if (!isObject(obj)) return undefined;
  const v = obj[key];
  return isObject(v) ? v : undefined;
}

/** Go's %q-ish quoting used in Kubernetes messages for string values. */
export function goQuote(value: string): string {
  return JSON.stringify(value);
}
