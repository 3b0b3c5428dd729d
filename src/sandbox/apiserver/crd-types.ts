// CustomResourceDefinition admission (defaults, validation incl. structural schema) and the
// translation of a CRD into served ResourceTypes, one per served version (sheet §7.1, §7.2).
import { fieldErrors, type FieldError } from "./errors.ts";
import { schemaDefaultErrors, structuralErrors } from "./crd-schema.ts";
import { isObject, objectField, stringField, type JsonObject, type JsonValue } from "../../util/json.ts";
import { storageKeyOf, type PrinterColumn, type ResourceType, type ScaleSubresource } from "./resource-type.ts";

export const CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

function versionsOf(crd: JsonObject): JsonObject[] {
  const v = objectField(crd, "spec")?.["versions"];
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** apiextensions/v1 defaults (pkg/apis/apiextensions/v1/defaults.go). */
export function defaultCrd(crd: JsonObject): void {
  const spec = objectField(crd, "spec");
  if (!spec) return;
  const names = objectField(spec, "names");
  if (names) {
    const kind = stringField(names, "kind");
    if (kind) {
      names["singular"] ??= kind.toLowerCase();
      names["listKind"] ??= `${kind}List`;
    }
  }
  spec["conversion"] ??= { strategy: "None" };
  // additionalPrinterColumns[].priority is `int32 json:"priority,omitempty"`: a 0 the server never writes back.
  // Writing it made every re-apply of an unchanged CRD "configured" (kubectl's merge patch replaces the list).
}

export function validateCrd(crd: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = objectField(crd, "spec");
  if (!spec) return [fieldErrors.required("spec")];
  const group = stringField(spec, "group") ?? "";
  const names = objectField(spec, "names") ?? {};
  const plural = stringField(names, "plural") ?? "";
  const kind = stringField(names, "kind") ?? "";
  const name = stringField(objectField(crd, "metadata"), "name") ?? "";
  if (group === "") errors.push(fieldErrors.required("spec.group"));
  else if (!group.includes(".")) errors.push(fieldErrors.invalid("spec.group", group, "should be a domain with at least one dot"));
  if (plural === "") errors.push(fieldErrors.required("spec.names.plural"));
  if (kind === "") errors.push(fieldErrors.required("spec.names.kind"));
  if (plural !== "" && group !== "" && name !== `${plural}.${group}`) {
    errors.push(fieldErrors.invalid("metadata.name", name, `must be spec.names.plural+"."+spec.group`));
  }
  const scope = spec["scope"];
  if (scope !== "Namespaced" && scope !== "Cluster") {
    errors.push(scope === undefined ? fieldErrors.required("spec.scope") : fieldErrors.notSupported("spec.scope", scope, ["Cluster", "Namespaced"]));
  }
  const versions = versionsOf(crd);
  if (versions.length === 0) errors.push(fieldErrors.invalid("spec.versions", [], "must have exactly one version marked as storage version"));
  const storageCount = versions.filter((v) => v["storage"] === true).length;
  if (versions.length > 0 && storageCount !== 1) {
    errors.push(fieldErrors.invalid("spec.versions", versions as JsonValue, "must have exactly one version marked as storage version"));
  }
  versions.forEach((v, i) => {
    const base = `spec.versions[${i}]`;
    if (typeof v["name"] !== "string" || v["name"] === "") errors.push(fieldErrors.required(`${base}.name`));
    if (typeof v["served"] !== "boolean") errors.push(fieldErrors.required(`${base}.served`));
    if (typeof v["storage"] !== "boolean") errors.push(fieldErrors.required(`${base}.storage`));
    const schema = objectField(objectField(v, "schema"), "openAPIV3Schema");
    if (!schema) {
      errors.push(fieldErrors.required(`${base}.schema.openAPIV3Schema`, "schemas are required"));
    } else {
      const structural = structuralErrors(schema, `${base}.schema.openAPIV3Schema`);
      errors.push(...structural);
      if (structural.length === 0) errors.push(...schemaDefaultErrors(schema, `${base}.schema.openAPIV3Schema`));
      if (schema["type"] !== undefined && schema["type"] !== "object") {
        errors.push(fieldErrors.invalid(`${base}.schema.openAPIV3Schema.type`, schema["type"], "must be object at the root"));
      }
    }
    const scale = objectField(objectField(v, "subresources"), "scale");
    if (scale) {
      const specPath = stringField(scale, "specReplicasPath") ?? "";
      const statusPath = stringField(scale, "statusReplicasPath") ?? "";
      if (!specPath.startsWith(".spec.")) errors.push(fieldErrors.invalid(`${base}.subresources.scale.specReplicasPath`, specPath, "should be a json path under .spec"));
      if (!statusPath.startsWith(".status.")) errors.push(fieldErrors.invalid(`${base}.subresources.scale.statusReplicasPath`, statusPath, "should be a json path under .status"));
    }
    const columns = v["additionalPrinterColumns"];
    if (Array.isArray(columns)) {
      columns.forEach((c, j) => {
        if (!isObject(c)) return;
        const t = c["type"];
        const allowed = ["array", "boolean", "date", "integer", "number", "object", "string"];
        if (typeof t !== "string" || !allowed.includes(t)) errors.push(fieldErrors.notSupported(`${base}.additionalPrinterColumns[${j}].type`, t ?? "", allowed));
        if (typeof c["jsonPath"] !== "string" || c["jsonPath"] === "") errors.push(fieldErrors.required(`${base}.additionalPrinterColumns[${j}].jsonPath`));
        if (typeof c["name"] !== "string" || c["name"] === "") errors.push(fieldErrors.required(`${base}.additionalPrinterColumns[${j}].name`));
      });
    }
  });
  return errors;
}

/** Fields of a CRD that may not change once created. */
export function validateCrdUpdate(next: JsonObject, old: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const oldSpec = objectField(old, "spec") ?? {};
  const newSpec = objectField(next, "spec") ?? {};
  if (oldSpec["group"] !== newSpec["group"]) errors.push(fieldErrors.invalid("spec.group", newSpec["group"] ?? "", "field is immutable"));
  if (stringField(objectField(oldSpec, "names"), "plural") !== stringField(objectField(newSpec, "names"), "plural")) {
    errors.push(fieldErrors.invalid("status.storedVersions", "", "spec.names.plural is immutable"));
  }
  if (oldSpec["scope"] !== newSpec["scope"]) errors.push(fieldErrors.invalid("spec.scope", newSpec["scope"] ?? "", "field is immutable"));
  return errors;
}

function condition(type: string, reason: string, message: string, now: string, previous: JsonValue | undefined): JsonObject {
  const prev = Array.isArray(previous) ? previous.find((c) => isObject(c) && c["type"] === type) : undefined;
  const keepTime = isObject(prev) && prev["status"] === "True" ? prev["lastTransitionTime"] : undefined;
  return { type, status: "True", lastTransitionTime: keepTime ?? now, reason, message };
}

/**
 * Status the naming and establishing controllers would write; set synchronously because this
 * server runs a single "API server" (Established is queued with 0 s delay there, sheet §7.1).
 */
export function crdStatus(crd: JsonObject, previousStatus: JsonObject | undefined, now: string): JsonObject {
  const spec = objectField(crd, "spec") ?? {};
  const names = objectField(spec, "names") ?? {};
  const acceptedNames: JsonObject = {};
  for (const key of ["plural", "singular", "shortNames", "kind", "listKind", "categories"]) {
    const v = names[key];
    if (v !== undefined) acceptedNames[key] = v;
  }
  const stored = new Set<string>();
  const prevStored = previousStatus?.["storedVersions"];
  if (Array.isArray(prevStored)) for (const v of prevStored) if (typeof v === "string") stored.add(v);
  for (const v of versionsOf(crd)) if (v["storage"] === true && typeof v["name"] === "string") stored.add(v["name"]);
  const prevConditions = previousStatus?.["conditions"];
  return {
    conditions: [
      condition("NamesAccepted", "NoConflicts", "no conflicts found", now, prevConditions),
      condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now, prevConditions),
    ],
    acceptedNames,
    storedVersions: [...stored],
  };
}

function scaleOf(v: JsonObject): ScaleSubresource | undefined {
  const scale = objectField(objectField(v, "subresources"), "scale");
  if (!scale) return undefined;
  const s: ScaleSubresource = {
    specReplicasPath: stringField(scale, "specReplicasPath") ?? ".spec.replicas",
    statusReplicasPath: stringField(scale, "statusReplicasPath") ?? ".status.replicas",
  };
  const selector = stringField(scale, "labelSelectorPath");
  if (selector) s.labelSelectorPath = selector;
  return s;
}

function printerColumnsOf(v: JsonObject): PrinterColumn[] | undefined {
  const columns = v["additionalPrinterColumns"];
  if (!Array.isArray(columns) || columns.length === 0) return undefined;
  return columns.filter(isObject).map((c) => {
    const col: PrinterColumn = { name: stringField(c, "name") ?? "", type: stringField(c, "type") ?? "string", jsonPath: stringField(c, "jsonPath") ?? "" };
    const format = stringField(c, "format");
    const description = stringField(c, "description");
    if (format) col.format = format;
    if (description) col.description = description;
    if (typeof c["priority"] === "number") col.priority = c["priority"];
    return col;
  });
}

/** Served versions of an (established, not deleted) CRD as resource types. */
export function resourceTypesFromCrd(crd: JsonObject): ResourceType[] {
  const spec = objectField(crd, "spec");
  const names = objectField(spec, "names");
  const group = stringField(spec, "group");
  const plural = stringField(names, "plural");
  const kind = stringField(names, "kind");
  const crdName = stringField(objectField(crd, "metadata"), "name");
  if (!spec || !names || !group || !plural || !kind || !crdName) return [];
  const stringList = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  return versionsOf(crd)
    .filter((v) => v["served"] === true && typeof v["name"] === "string")
    .map((v) => {
      const version = stringField(v, "name") ?? "";
      const schema = objectField(objectField(v, "schema"), "openAPIV3Schema");
      const t: ResourceType = {
        group,
        version,
        kind,
        listKind: stringField(names, "listKind") ?? `${kind}List`,
        plural,
        singular: stringField(names, "singular") ?? kind.toLowerCase(),
        namespaced: spec["scope"] !== "Cluster",
        shortNames: stringList(names["shortNames"]),
        categories: stringList(names["categories"]),
        statusSubresource: objectField(objectField(v, "subresources"), "status") !== undefined,
        strategicMerge: false,
        allowUnconditionalUpdate: false,
        allowCreateOnUpdate: false,
        tracksGeneration: true,
        crdName,
        storageKey: storageKeyOf(group, plural),
      };
      const scale = scaleOf(v);
      if (scale) t.scale = scale;
      if (schema) t.schema = schema;
      const columns = printerColumnsOf(v);
      if (columns) t.printerColumns = columns;
      if (v["deprecated"] === true) t.deprecationWarning = stringField(v, "deprecationWarning") ?? `${group}/${version} ${kind} is deprecated`;
      return t;
    });
}
