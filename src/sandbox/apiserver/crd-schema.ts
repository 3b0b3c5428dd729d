// CRD structural schemas: structural check (for CRD admission), pruning of unknown fields,
// defaulting and OpenAPI validation with the field error texts of apiextensions-apiserver
// (sheet §7.2–7.5). Pure functions, no server state.
import { deepClone, isObject, type JsonObject, type JsonValue } from "../../util/json.ts";
import { fieldErrors, formatBadValue, type FieldError } from "./errors.ts";

/** The subset of OpenAPI v3 a structural schema may use. Kept as raw JSON, read through guards. */
export type StructuralSchema = JsonObject;

const FORBIDDEN_KEYS = ["definitions", "dependencies", "deprecated", "discriminator", "id", "patternProperties", "readOnly", "writeOnly", "xml", "$ref"];

function schemaAt(schema: StructuralSchema, key: string): StructuralSchema | undefined {
  const v = schema[key];
  return isObject(v) ? v : undefined;
}

function flag(schema: StructuralSchema, key: string): boolean {
  return schema[key] === true;
}

/**
 * Structural-schema violations, as CRD field errors rooted at `basePath`
 * (e.g. `spec.versions[0].schema.openAPIV3Schema`). Empty = structural.
 */
export function structuralErrors(schema: StructuralSchema, basePath: string): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (node: StructuralSchema, path: string, isRoot: boolean, specified: boolean): void => {
    const intOrString = flag(node, "x-kubernetes-int-or-string");
    const preserve = flag(node, "x-kubernetes-preserve-unknown-fields");
    if (specified && !intOrString && !preserve && (typeof node["type"] !== "string" || node["type"] === "")) {
      errors.push(fieldErrors.required(`${path}.type`, isRoot ? "must not be empty at the root" : "must not be empty for specified object fields"));
    }
    for (const key of FORBIDDEN_KEYS) {
      if (key in node) errors.push(fieldErrors.forbidden(`${path}.${key}`, `${key} is not supported`));
    }
    if (node["uniqueItems"] === true) errors.push(fieldErrors.forbidden(`${path}.uniqueItems`, "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
    if (node["additionalProperties"] === false) errors.push(fieldErrors.forbidden(`${path}.additionalProperties`, "additionalProperties cannot be set to false"));
    const properties = schemaAt(node, "properties");
    const additional = schemaAt(node, "additionalProperties");
    if (properties && additional) errors.push(fieldErrors.forbidden(`${path}.additionalProperties`, "additionalProperties and properties are mutual exclusive"));
    if (properties) for (const [name, child] of Object.entries(properties)) if (isObject(child)) visit(child, `${path}.properties[${name}]`, false, true);
    if (additional) visit(additional, `${path}.additionalProperties`, false, true);
    const items = schemaAt(node, "items");
    if (items) visit(items, `${path}.items`, false, true);
    else if (node["type"] === "array") errors.push(fieldErrors.required(`${path}.items`, "must be specified"));
    for (const junctor of ["allOf", "anyOf", "oneOf"]) {
      const list = node[junctor];
      if (!Array.isArray(list)) continue;
      list.forEach((sub, i) => {
        if (!isObject(sub)) return;
        for (const banned of ["description", "type", "default", "additionalProperties", "nullable"]) {
          const isIntOrStringPattern = intOrString && banned === "type";
          if (banned in sub && !isIntOrStringPattern) errors.push(fieldErrors.forbidden(`${path}.${junctor}[${i}].${banned}`, "must be empty to be structural"));
        }
      });
    }
  };
  visit(schema, basePath, true, true);
  return errors;
}

// ---------- pruning ----------

/** Implicitly known at the root of every object and of embedded resources. */
const META_FIELDS = ["apiVersion", "kind", "metadata"];

/**
 * Drop fields the schema does not declare. Returns dotted paths of what was dropped so the
 * caller can warn or fail per `fieldValidation` (sheet §2.4, §7.3).
 */
export function prune(obj: JsonObject, schema: StructuralSchema): string[] {
  const dropped: string[] = [];
  pruneObject(obj, schema, "", true, dropped);
  return dropped;
}

function joinPath(base: string, key: string): string {
  return base === "" ? key : `${base}.${key}`;
}

function pruneValue(value: JsonValue, schema: StructuralSchema | undefined, path: string, dropped: string[]): void {
  if (!schema) return;
  if (isObject(value)) pruneObject(value, schema, path, flag(schema, "x-kubernetes-embedded-resource"), dropped);
  else if (Array.isArray(value)) {
    const items = schemaAt(schema, "items");
    value.forEach((item, i) => pruneValue(item, items, `${path}[${i}]`, dropped));
  }
}

function pruneObject(obj: JsonObject, schema: StructuralSchema, path: string, isResourceRoot: boolean, dropped: string[]): void {
  const properties = schemaAt(schema, "properties");
  const additional = schema["additionalProperties"];
  const preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    if (value === undefined) continue;
    const childPath = joinPath(path, key);
    // apiVersion/kind/metadata are handled by the server itself (ObjectMeta is typed), never by the schema.
    if (isResourceRoot && META_FIELDS.includes(key)) continue;
    const declared = properties ? schemaAt(properties, key) : undefined;
    if (declared) {
      pruneValue(value, declared, childPath, dropped);
    } else if (isObject(additional)) {
      pruneValue(value, additional, childPath, dropped);
    } else if (additional === true || preserve) {
      continue;
    } else {
      delete obj[key];
      dropped.push(childPath);
    }
  }
}

// ---------- defaulting ----------

/** Apply `default`s (and drop non-nullable nulls first, as the real server does). */
export function applyDefaults(value: JsonValue, schema: StructuralSchema): void {
  if (isObject(value)) {
    const properties = schemaAt(schema, "properties");
    if (properties) {
      for (const [key, propSchema] of Object.entries(properties)) {
        if (!isObject(propSchema)) continue;
        const current = value[key];
        if (current === null && propSchema["nullable"] !== true) delete value[key];
        if (value[key] === undefined && propSchema["default"] !== undefined) value[key] = deepClone(propSchema["default"]);
      }
      for (const [key, child] of Object.entries(value)) {
        const propSchema = schemaAt(properties, key);
        if (propSchema) applyDefaults(child, propSchema);
      }
    }
    const additional = schemaAt(schema, "additionalProperties");
    if (additional) for (const child of Object.values(value)) applyDefaults(child, additional);
  } else if (Array.isArray(value)) {
    const items = schemaAt(schema, "items");
    if (items) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (item === null && items["nullable"] !== true && items["default"] !== undefined) value[i] = deepClone(items["default"]);
        else if (item !== undefined) applyDefaults(item, items);
      }
    }
  }
}

// ---------- validation ----------

function jsonType(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(expected: string, value: JsonValue): boolean {
  const actual = jsonType(value);
  if (expected === "number") return actual === "number" || actual === "integer";
  return expected === actual;
}

/** Validate `value` against `schema`; `path` is the dotted field path (`spec.replicas`). */
export function validate(value: JsonValue, schema: StructuralSchema, path: string): FieldError[] {
  const errors: FieldError[] = [];
  validateNode(value, schema, path, errors);
  return errors;
}

function validateNode(value: JsonValue, schema: StructuralSchema, path: string, errors: FieldError[]): void {
  const shown = path === "" ? "<root>" : path;
  if (value === null) {
    if (schema["nullable"] === true) return;
    if (flag(schema, "x-kubernetes-preserve-unknown-fields") && schema["type"] === undefined) return;
  }
  if (flag(schema, "x-kubernetes-int-or-string")) {
    const t = jsonType(value);
    if (t !== "integer" && t !== "string") {
      errors.push(fieldErrors.invalid(shown, t, `${shown} in body must be of type integer,string: ${JSON.stringify(t)}`));
      return;
    }
  } else if (typeof schema["type"] === "string" && !typeMatches(schema["type"], value)) {
    const t = jsonType(value);
    errors.push(fieldErrors.invalid(shown, t, `${shown} in body must be of type ${schema["type"]}: ${JSON.stringify(t)}`));
    return;
  }

  const enumValues = schema["enum"];
  if (Array.isArray(enumValues) && !enumValues.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push(fieldErrors.notSupported(shown, value, enumValues));
  }

  if (typeof value === "number") validateNumber(value, schema, shown, errors);
  if (typeof value === "string") validateString(value, schema, shown, errors);
  if (Array.isArray(value)) {
    const maxItems = schema["maxItems"];
    const minItems = schema["minItems"];
    if (typeof maxItems === "number" && value.length > maxItems) errors.push(fieldErrors.tooMany(shown, value.length, maxItems));
    if (typeof minItems === "number" && value.length < minItems) {
      errors.push(fieldErrors.invalid(shown, value.length, `${shown} in body should have at least ${minItems} items`));
    }
    const items = schemaAt(schema, "items");
    if (items) value.forEach((item, i) => validateNode(item, items, `${path}[${i}]`, errors));
    validateListType(value, schema, path, errors);
  }
  if (isObject(value)) {
    const count = Object.keys(value).length;
    const maxProps = schema["maxProperties"];
    const minProps = schema["minProperties"];
    if (typeof maxProps === "number" && count > maxProps) errors.push(fieldErrors.tooMany(shown, count, maxProps));
    if (typeof minProps === "number" && count < minProps) {
      errors.push(fieldErrors.invalid(shown, count, `${shown} in body should have at least ${minProps} properties`));
    }
    const required = schema["required"];
    if (Array.isArray(required)) {
      for (const name of required) if (typeof name === "string" && value[name] === undefined) errors.push(fieldErrors.required(joinPath(path, name)));
    }
    const properties = schemaAt(schema, "properties");
    const additional = schemaAt(schema, "additionalProperties");
    for (const [key, child] of Object.entries(value)) {
      const childSchema = (properties ? schemaAt(properties, key) : undefined) ?? additional;
      if (childSchema) validateNode(child, childSchema, joinPath(path, key), errors);
    }
  }
  for (const junctor of ["allOf", "anyOf", "oneOf"] as const) {
    const list = schema[junctor];
    if (!Array.isArray(list)) continue;
    const results = list.filter(isObject).map((sub) => validate(value, sub, path));
    const passing = results.filter((r) => r.length === 0).length;
    if (junctor === "allOf") for (const r of results) errors.push(...r);
    if (junctor === "anyOf" && passing === 0 && results.length > 0) errors.push(fieldErrors.invalid(shown, value, `${shown} in body must match at least one schema (anyOf)`));
    if (junctor === "oneOf" && passing !== 1 && results.length > 0) errors.push(fieldErrors.invalid(shown, value, `${shown} in body must validate one and only one schema (oneOf)`));
  }
}

/** `x-kubernetes-list-type: set|map` forbid duplicates (by value, or by the list-map keys). */
function validateListType(value: JsonValue[], schema: StructuralSchema, path: string, errors: FieldError[]): void {
  const listType = schema["x-kubernetes-list-type"];
  if (listType !== "set" && listType !== "map") return;
  const keys = Array.isArray(schema["x-kubernetes-list-map-keys"]) ? schema["x-kubernetes-list-map-keys"].filter((k): k is string => typeof k === "string") : [];
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const identity = listType === "map" && isObject(item) ? JSON.stringify(keys.map((k) => item[k] ?? null)) : JSON.stringify(item);
    if (seen.has(identity)) {
      const shown = listType === "map" && isObject(item) ? Object.fromEntries(keys.map((k) => [k, item[k] ?? null])) : item;
      errors.push(fieldErrors.duplicate(`${path}[${i}]`, shown));
    }
    seen.add(identity);
  });
}

/**
 * Defaults must themselves validate against their schema (after pruning), and `metadata` may
 * only restrict name/generateName — both checked on CRD create/update like the real server.
 */
export function schemaDefaultErrors(schema: StructuralSchema, basePath: string): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (node: StructuralSchema, schemaPath: string, dataPath: string): void => {
    const def = node["default"];
    if (def !== undefined) {
      const copy = deepClone(def);
      if (isObject(copy)) pruneObject(copy, node, "", false, []);
      for (const e of validate(copy, node, dataPath)) errors.push({ ...e, field: `${schemaPath}.default`, message: e.message });
    }
    const properties = schemaAt(node, "properties");
    if (properties) {
      for (const [name, child] of Object.entries(properties)) {
        if (isObject(child)) visit(child, `${schemaPath}.properties[${name}]`, dataPath === "" ? name : `${dataPath}.${name}`);
      }
    }
    const items = schemaAt(node, "items");
    if (items) visit(items, `${schemaPath}.items`, `${dataPath}[0]`);
    const additional = schemaAt(node, "additionalProperties");
    if (additional) visit(additional, `${schemaPath}.additionalProperties`, `${dataPath}[key]`);
  };
  visit(schema, basePath, "");
  const metadata = schemaAt(schemaAt(schema, "properties") ?? {}, "metadata");
  if (metadata) {
    const props = schemaAt(metadata, "properties") ?? {};
    const extraKeys = Object.keys(metadata).filter((k) => k !== "type" && k !== "properties" && k !== "description");
    const extraProps = Object.keys(props).filter((k) => k !== "name" && k !== "generateName");
    if (extraKeys.length > 0 || extraProps.length > 0) {
      errors.push(fieldErrors.forbidden(`${basePath}.properties[metadata]`, "must not specify anything other than name and generateName, but metadata is implicitly specified"));
    }
  }
  return errors;
}

function validateNumber(value: number, schema: StructuralSchema, shown: string, errors: FieldError[]): void {
  const maximum = schema["maximum"];
  const minimum = schema["minimum"];
  if (typeof maximum === "number") {
    if (schema["exclusiveMaximum"] === true ? value >= maximum : value > maximum) {
      const rel = schema["exclusiveMaximum"] === true ? "less than" : "less than or equal to";
      errors.push(fieldErrors.invalid(shown, value, `${shown} in body should be ${rel} ${maximum}`));
    }
  }
  if (typeof minimum === "number") {
    if (schema["exclusiveMinimum"] === true ? value <= minimum : value < minimum) {
      const rel = schema["exclusiveMinimum"] === true ? "greater than" : "greater than or equal to";
      errors.push(fieldErrors.invalid(shown, value, `${shown} in body should be ${rel} ${minimum}`));
    }
  }
  const multipleOf = schema["multipleOf"];
  if (typeof multipleOf === "number" && multipleOf > 0 && !Number.isInteger(value / multipleOf)) {
    errors.push(fieldErrors.invalid(shown, value, `${shown} in body should be a multiple of ${multipleOf}`));
  }
}

function validateString(value: string, schema: StructuralSchema, shown: string, errors: FieldError[]): void {
  const maxLength = schema["maxLength"];
  const minLength = schema["minLength"];
  const length = [...value].length;
  if (typeof maxLength === "number" && length > maxLength) errors.push(fieldErrors.tooLong(shown, maxLength));
  if (typeof minLength === "number" && length < minLength) {
    errors.push(fieldErrors.invalid(shown, value, `${shown} in body should be at least ${minLength} chars long`));
  }
  const pattern = schema["pattern"];
  if (typeof pattern === "string") {
    let matches = true;
    try {
      matches = new RegExp(pattern, "u").test(value);
    } catch {
      matches = true;
    }
    if (!matches) errors.push(fieldErrors.invalid(shown, value, `${shown} in body should match '${pattern}'`));
  }
  if (schema["format"] === "date-time" && Number.isNaN(Date.parse(value))) {
    errors.push(fieldErrors.invalid(shown, value, `${shown} in body must be of type date-time: ${formatBadValue(value)}`));
  }
}
