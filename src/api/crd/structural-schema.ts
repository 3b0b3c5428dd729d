/**
 * zod schema -> Kubernetes structural openAPIV3Schema.
 *
 * zod 4 emits OpenAPI 3.0 JSON Schema; Kubernetes accepts only a structural subset of it (every node
 * typed, no $ref, no type inside anyOf, no additionalProperties:false). We translate the few shapes our
 * schemas use and refuse anything else, so a schema change that the API server would reject fails the
 * generator (and its test) instead of a user's `kubectl apply`.
 */
import { z } from "zod";

export type JsonSchema = { [key: string]: unknown };

export class NonStructuralSchemaError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path || "<root>"}: ${problem}`);
    this.name = "NonStructuralSchemaError";
    this.path = path;
  }
}

const SAFE_INT_BOUND = Number.MAX_SAFE_INTEGER;
const JUNCTORS = ["anyOf", "oneOf", "allOf", "not"] as const;
const FORBIDDEN = ["$ref", "definitions", "$defs", "patternProperties", "dependencies", "const"] as const;
const PRESERVE = "x-kubernetes-preserve-unknown-fields";
const INT_OR_STRING = "x-kubernetes-int-or-string";

function isRecord(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The branches are {integer} and {string} (in any order): the int-or-string pattern. */
function isIntOrString(branches: unknown): boolean {
  if (!Array.isArray(branches) || branches.length !== 2) return false;
  const types = branches.map((b) => (isRecord(b) ? b.type : undefined)).sort();
  return types[0] === "integer" && types[1] === "string";
}

function convertNode(node: JsonSchema, path: string): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || key === "id") continue;
    if ((FORBIDDEN as readonly string[]).includes(key)) throw new NonStructuralSchemaError(path, `"${key}" is not allowed`);
    out[key] = value;
  }

  // A node that keeps anything (a CEL-or-threshold condition): keep only the marker and prose.
  if (out[PRESERVE] === true && out.type === undefined) {
    const kept: JsonSchema = { [PRESERVE]: true };
    if (typeof out.description === "string") kept.description = out.description;
    return kept;
  }

  if (out.anyOf !== undefined) {
    if (!isIntOrString(out.anyOf)) throw new NonStructuralSchemaError(path, "a union other than integer-or-string");
    // A description given on a branch (rather than on the union) would vanish with anyOf: keep the first one.
    if (out.description === undefined) {
      const described = (out.anyOf as unknown[]).find((b) => isRecord(b) && typeof b.description === "string");
      if (isRecord(described)) out.description = described.description;
    }
    delete out.anyOf;
    out[INT_OR_STRING] = true;
  }
  for (const junctor of JUNCTORS) {
    if (out[junctor] !== undefined) throw new NonStructuralSchemaError(path, `"${junctor}" is not supported`);
  }

  if (out.type === "integer") {
    if (out.minimum === -SAFE_INT_BOUND) delete out.minimum;
    if (out.maximum === SAFE_INT_BOUND) delete out.maximum;
  }
  // zod adds a regex to date-time/uri strings; the format alone is what Kubernetes understands.
  if (out.type === "string" && (out.format === "date-time" || out.format === "uri")) delete out.pattern;

  if (out.type === "object") {
    const additional = out.additionalProperties;
    if (additional === false) delete out.additionalProperties;
    else if (isRecord(additional) && Object.keys(additional).length === 0) {
      // z.looseObject: keep fields we do not model (pod specs).
      delete out.additionalProperties;
      out[PRESERVE] = true;
    } else if (isRecord(additional)) {
      if (out.properties !== undefined) throw new NonStructuralSchemaError(path, "properties together with additionalProperties");
      out.additionalProperties = convertNode(additional, `${path}[*]`);
    }
    if (isRecord(out.properties)) {
      const props: JsonSchema = {};
      for (const [name, child] of Object.entries(out.properties)) {
        if (!isRecord(child)) throw new NonStructuralSchemaError(`${path}.${name}`, "not a schema");
        props[name] = convertNode(child, path ? `${path}.${name}` : name);
      }
      out.properties = props;
    }
    delete out.propertyNames;
  } else if (out.type === "array") {
    if (!isRecord(out.items)) throw new NonStructuralSchemaError(path, "array without a single items schema");
    out.items = convertNode(out.items, `${path}[*]`);
  }

  if (out.type === undefined && out[INT_OR_STRING] !== true && out[PRESERVE] !== true) {
    throw new NonStructuralSchemaError(path, "node has no type");
  }
  return out;
}

/** The root field's description from the zod schema, if it has one. */
function describedAs(node: unknown): JsonSchema {
  return isRecord(node) && typeof node.description === "string" ? { description: node.description } : {};
}

/**
 * The structural schema of a whole object kind. `apiVersion`, `kind` and `metadata` get the plain forms
 * Kubernetes expects at the root (only name/generateName may be restricted under metadata), with the
 * descriptions the zod schema gives them.
 */
export function structuralSchemaFor(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, {
    target: "openapi-3.0",
    io: "input",
    reused: "inline",
    unrepresentable: "throw",
  }) as JsonSchema;
  const converted = convertNode(raw, "");
  const props = isRecord(converted.properties) ? converted.properties : {};
  props.apiVersion = { type: "string", ...describedAs(props.apiVersion) };
  props.kind = { type: "string", ...describedAs(props.kind) };
  props.metadata = { type: "object", ...describedAs(props.metadata) };
  converted.properties = props;
  // apiVersion/kind/metadata are filled in by the API server; the CRD must not require them.
  if (Array.isArray(converted.required)) {
    converted.required = converted.required.filter((k) => !["apiVersion", "kind", "metadata"].includes(String(k)));
    if ((converted.required as unknown[]).length === 0) delete converted.required;
  }
  return converted;
}
