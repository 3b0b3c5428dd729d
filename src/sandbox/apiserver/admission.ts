// Admission for writes to the main resource or /status: type meta, pruning of unknown fields
// (per fieldValidation), defaulting (schema or built-in), and validation of metadata, schema,
// built-in rules and CRD rules — with the real server's status codes and messages.
import { ApiError, badRequest, fieldErrors, invalid, type FieldError } from "./errors.ts";
import { objectField, stringField, type JsonObject } from "../../util/json.ts";
import { applyDefaults, prune, validate } from "./crd-schema.ts";
import { validateBuiltin } from "./builtin-validation.ts";
import { defaultCrd, validateCrd, validateCrdUpdate } from "./crd-types.ts";
import { pruneMetadata, validateName, validateObjectMeta, type NameRule } from "./object-meta.ts";
import { apiVersionOf, type ResourceType } from "./resource-type.ts";
import { metadataOf } from "./store.ts";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface WriteOptions {
  fieldValidation: FieldValidation;
  dryRun: boolean;
  /** Warning texts for `Warning: 299 - "..."` headers, appended by the call. */
  warnings: string[];
  /** Keep metadata.managedFields from the request (server-side apply computes them). */
  preserveManagedFields?: boolean;
  /** Validating admission of the request's user (RBAC mode's owner-reference checks), after validation. */
  admission?: AdmissionHook;
}

/** Throws an ApiError to refuse the write of `obj` (replacing `old`, undefined on create). */
export type AdmissionHook = (t: ResourceType, obj: JsonObject, old: JsonObject | undefined) => void;

export const CRD_STORAGE_KEY = "customresourcedefinitions.apiextensions.k8s.io";
export const NAMESPACE_STORAGE_KEY = "namespaces";

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Fill apiVersion/kind from the endpoint; reject a body for another group/version/kind. */
export function checkTypeMeta(t: ResourceType, body: JsonObject): void {
  const apiVersion = body["apiVersion"];
  const expected = apiVersionOf(t);
  if (apiVersion !== undefined && apiVersion !== expected) {
    throw badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${expected})`);
  }
  const kind = body["kind"];
  if (kind !== undefined && kind !== t.kind) {
    throw badRequest(`${String(kind)} in version "${t.version}" cannot be handled as a ${t.kind}: the kind in the data (${String(kind)}) does not match the expected kind (${t.kind})`);
  }
  body["apiVersion"] = expected;
  body["kind"] = t.kind;
}

function nameRule(t: ResourceType): NameRule {
  if (t.storageKey === NAMESPACE_STORAGE_KEY) return "label";
  if (t.storageKey === "services") return "dns1035";
  if (t.group === "rbac.authorization.k8s.io") return "path";
  return "subdomain";
}

/**
 * Pruning, defaulting and validation shared by every write to the main resource or /status.
 * `unknownAs` picks how Strict field validation fails (400 for POST/PUT, 422 for PATCH).
 */
export function admit(t: ResourceType, obj: JsonObject, old: JsonObject | undefined, opts: WriteOptions, unknownAs: "decode" | "patch"): void {
  const metadata = objectField(obj, "metadata") ?? {};
  obj["metadata"] = metadata;
  const unknown = pruneMetadata(metadata);
  const pruneSchema = t.schema ?? t.pruneSchema;
  if (pruneSchema) unknown.push(...prune(obj, pruneSchema));
  if (unknown.length > 0) {
    const texts = unknown.map((p) => `unknown field ${JSON.stringify(p)}`);
    if (opts.fieldValidation === "Strict") {
      const detail = `strict decoding error: ${texts.join(", ")}`;
      if (unknownAs === "decode") throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${detail}`);
      // NewInvalid with an empty GroupKind: the message starts with ` "" is invalid` (sheet §2.4).
      const err = fieldErrors.invalid("patch", JSON.stringify(obj), detail);
      throw new ApiError(422, "Invalid", ` "" is invalid: patch: ${err.message}`, {
        causes: [{ reason: err.type, message: err.message, field: "patch" }],
      });
    }
    if (opts.fieldValidation === "Warn") opts.warnings.push(...texts);
  }
  if (t.schema) applyDefaults(obj, t.schema);
  t.defaulter?.(obj);
  if (t.storageKey === CRD_STORAGE_KEY) defaultCrd(obj);

  const errors: FieldError[] = [];
  const name = stringField(metadata, "name") ?? "";
  errors.push(...validateName(name, nameRule(t)));
  errors.push(...validateObjectMeta(metadata));
  if (t.schema) {
    const body: JsonObject = { ...obj };
    delete body["metadata"];
    delete body["apiVersion"];
    delete body["kind"];
    errors.push(...validate(body, t.schema, ""));
  }
  if (t.crdName === undefined) errors.push(...validateBuiltin(t.kind, obj));
  if (t.storageKey === CRD_STORAGE_KEY) {
    errors.push(...validateCrd(obj));
    if (old) errors.push(...validateCrdUpdate(obj, old));
  }
  if (old && metadataOf(old)["deletionTimestamp"] !== undefined) {
    const before = stringList(metadataOf(old)["finalizers"]);
    const added = stringList(metadata["finalizers"]).filter((f) => !before.includes(f));
    if (added.length > 0) {
      errors.push(fieldErrors.forbidden("metadata.finalizers", `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`));
    }
  }
  if (errors.length > 0) throw invalid(t, name, errors);
  opts.admission?.(t, obj, old);
}

