/**
 * zod issues -> messages a person can act on: the field path in Kubernetes notation
 * (`spec.strategy.canary.steps[2].setWeight`), what is expected, and the value that was given.
 */
import type { z } from "zod";

export type FieldError = { path: string; message: string };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describeValue(value: unknown): string | undefined {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** Edit distance, for "did you mean" on misspelt fields. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 2)) ? best : undefined;
}

type SchemaDef = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType };

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** Field names the schema allows at `path` (for suggestions), walking through optional/default wrappers. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  const unwrap = () => {
    for (let guard = 0; node && guard < 10; guard++) {
      const def = defOf(node);
      if (def.innerType) node = def.innerType;
      else if (def.type === "pipe" && def.in) node = def.in;
      else break;
    }
  };
  unwrap();
  for (const key of path) {
    if (!node) return [];
    const def = defOf(node);
    if (def.type === "object" && typeof key === "string") node = def.shape?.[key];
    else if (def.type === "array" && typeof key === "number") node = def.element;
    else return [];
    unwrap();
  }
  if (!node) return [];
  const def = defOf(node);
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

export function fieldErrorsFrom(error: z.ZodError, input: unknown, schema: z.ZodType): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    const path = formatPath(issue.path);
    const value = valueAt(input, issue.path);
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const suggestion = closestName(key, known);
        const hint = suggestion ? `did you mean "${suggestion}"?` : `known fields here: ${known.join(", ")}`;
        errors.push({ path: formatPath([...issue.path, key]), message: `unknown field; ${hint}` });
      }
      continue;
    }
    if (issue.code === "invalid_type" && value === undefined) {
      errors.push({ path, message: "is required" });
      continue;
    }
    let message = issue.message;
    if (issue.code === "invalid_type" && message.startsWith("Invalid input")) {
      message = `must be ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`} (got ${typeName(value)})`;
    } else if (issue.code === "invalid_value") {
      message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    }
    const given = describeValue(value);
    // Rule messages (custom) already quote what they compare.
    if (given !== undefined && issue.code !== "custom" && !message.includes("(got")) message += ` (got ${given})`;
    errors.push({ path, message });
  }
  return errors;
}
