// ObjectMeta handling shared by every resource: name generation, metadata validation with the
// apimachinery messages, pruning of unknown metadata fields, and timestamps.
import { randomInt } from "node:crypto";
import { fieldErrors, type FieldError } from "./errors.ts";
import { isObject, type JsonObject } from "../../util/json.ts";

const KNOWN_METADATA_FIELDS = new Set([
  "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
  "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
]);

/** Unknown keys in metadata are dropped (ObjectMeta is a typed struct); returns dotted paths. */
export function pruneMetadata(metadata: JsonObject): string[] {
  const dropped: string[] = [];
  for (const key of Object.keys(metadata)) {
    if (!KNOWN_METADATA_FIELDS.has(key)) {
      delete metadata[key];
      dropped.push(`metadata.${key}`);
    }
  }
  return dropped;
}

/** RFC 3339, UTC, second precision — metav1.Time on the wire. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** metav1.MicroTime: always 6 fractional digits. */
export function microTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Re-serialise a metav1.MicroTime value the way the real server does (6 fractional digits). */
export function normalizeMicroTime(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return value;
  const fraction = /\.(\d+)/.exec(value)?.[1] ?? "";
  const micros = (fraction + "000000").slice(0, 6);
  return `${new Date(t).toISOString().slice(0, 19)}.${micros}Z`;
}

/** Re-serialise a metav1.Time value (second precision). */
export function normalizeTime(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : timestamp(t);
}

const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** `generateName` + 5 random chars; prefix cut to 58 chars (storage/names). */
export function generateName(prefix: string): string {
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return prefix.slice(0, 58) + suffix;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** `path`: any name that is one URL path segment (RBAC objects, e.g. `system:discovery`; apimachinery's ValidatePathSegmentName). */
export type NameRule = "subdomain" | "label" | "dns1035" | "path";

export function validateName(name: string, rule: NameRule, field = "metadata.name"): FieldError[] {
  if (rule === "path") {
    if (name === "." || name === "..") return [fieldErrors.invalid(field, name, `may not be '${name}'`)];
    return ["/", "%"].filter((c) => name.includes(c)).map((c) => fieldErrors.invalid(field, name, `may not contain '${c}'`));
  }
  if (rule === "subdomain") {
    if (name.length > 253) return [fieldErrors.invalid(field, name, "must be no more than 253 characters")];
    if (!DNS1123_SUBDOMAIN.test(name)) {
      return [
        fieldErrors.invalid(
          field,
          name,
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
      ];
    }
    return [];
  }
  if (rule === "label") {
    if (name.length > 63) return [fieldErrors.invalid(field, name, "must be no more than 63 characters")];
    if (!DNS1123_LABEL.test(name)) {
      return [
        fieldErrors.invalid(
          field,
          name,
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ),
      ];
    }
    return [];
  }
  if (name.length > 63) return [fieldErrors.invalid(field, name, "must be no more than 63 characters")];
  if (!DNS1035_LABEL.test(name)) {
    return [
      fieldErrors.invalid(
        field,
        name,
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ),
    ];
  }
  return [];
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function validateQualifiedKey(key: string, field: string): FieldError[] {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const errors: FieldError[] = [];
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    errors.push(fieldErrors.invalid(field, key, "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    errors.push(fieldErrors.invalid(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
  }
  return errors;
}

/** Labels, annotations, ownerReferences and finalizers (apimachinery ValidateObjectMeta). */
export function validateObjectMeta(metadata: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const labels = metadata["labels"];
  if (labels !== undefined && labels !== null) {
    if (!isObject(labels)) errors.push(fieldErrors.invalid("metadata.labels", labels, "must be a map of strings"));
    else {
      for (const [k, v] of Object.entries(labels)) {
        errors.push(...validateQualifiedKey(k, "metadata.labels"));
        if (typeof v !== "string") errors.push(fieldErrors.invalid(`metadata.labels`, v, "must be a string"));
        else if (v.length > 63 || !LABEL_VALUE.test(v)) {
          errors.push(fieldErrors.invalid("metadata.labels", v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
        }
      }
    }
  }
  const annotations = metadata["annotations"];
  if (annotations !== undefined && annotations !== null) {
    if (!isObject(annotations)) errors.push(fieldErrors.invalid("metadata.annotations", annotations, "must be a map of strings"));
    else {
      let total = 0;
      for (const [k, v] of Object.entries(annotations)) {
        errors.push(...validateQualifiedKey(k.toLowerCase(), "metadata.annotations"));
        total += k.length + (typeof v === "string" ? v.length : 0);
      }
      if (total > 256 * 1024) errors.push({ type: "FieldValueTooLong", field: "metadata.annotations", message: "Too long: may not be more than 262144 bytes" });
    }
  }
  const owners = metadata["ownerReferences"];
  if (Array.isArray(owners)) {
    let controllers = 0;
    for (const ref of owners) {
      // The real validator reports these without an index (fldPath is reused per reference).
      const field = "metadata.ownerReferences";
      if (!isObject(ref)) continue;
      const emptyMessages: Record<string, string> = { apiVersion: "version must not be empty", kind: "kind must not be empty", name: "name must not be empty", uid: "uid must not be empty" };
      for (const [key, message] of Object.entries(emptyMessages)) {
        if (typeof ref[key] !== "string" || ref[key] === "") errors.push(fieldErrors.invalid(`${field}.${key}`, ref[key] ?? "", message));
      }
      if (ref["controller"] === true) controllers++;
    }
    if (controllers > 1) errors.push(fieldErrors.invalid("metadata.ownerReferences", owners, "Only one reference can have Controller set to true"));
  }
  const finalizers = metadata["finalizers"];
  if (Array.isArray(finalizers)) {
    const seen = new Set<string>();
    finalizers.forEach((f, i) => {
      if (typeof f !== "string") return;
      if (seen.has(f)) errors.push(fieldErrors.duplicate(`metadata.finalizers[${i}]`, f));
      seen.add(f);
    });
  }
  return errors;
}
