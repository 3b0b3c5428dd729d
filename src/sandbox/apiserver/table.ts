// meta.k8s.io/v1 Table responses for `kubectl get` (sheet §7.7, §9): CRDs use their
// additionalPrinterColumns (Name + Age when none), built-ins their printers.
import { badRequest } from "./errors.ts";
import { humanDuration } from "./human-duration.ts";
import type { JsonObject, JsonValue } from "../../util/json.ts";
import { evaluateJsonPath, jsonPathText, parseJsonPath } from "../../util/jsonpath.ts";
import type { PrinterColumn, ResourceType } from "./resource-type.ts";
import { genericPrinter } from "./builtins.ts";
import { metadataOf } from "./store.ts";

export type IncludeObject = "Metadata" | "Object" | "None";

export function parseIncludeObject(value: string | null): IncludeObject {
  if (value === null || value === "" || value === "Metadata") return "Metadata";
  if (value === "Object" || value === "None") return value;
  throw badRequest(`unrecognized includeObject value: ${JSON.stringify(value)}`);
}

const NAME_DESCRIPTION = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

interface ColumnSet {
  definitions: JsonObject[];
  cells(obj: JsonObject, now: number): JsonValue[];
}

/** `integer`/`number`/`boolean`/`date` cells as tableconvertor.cellForJSONValue; mismatch → null. */
function cellFor(column: PrinterColumn, value: JsonValue, now: number): JsonValue {
  switch (column.type) {
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date": {
      if (typeof value !== "string") return null;
      const t = Date.parse(value);
      return Number.isNaN(t) ? "<invalid>" : humanDuration(now - t);
    }
    default:
      return jsonPathText(value);
  }
}

function crColumns(t: ResourceType): ColumnSet {
  const columns: PrinterColumn[] = t.printerColumns ?? [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" }];
  const parsed = columns.map((c) => {
    try {
      return parseJsonPath(c.jsonPath);
    } catch {
      return undefined;
    }
  });
  return {
    definitions: [
      { name: "Name", type: "string", format: "name", description: NAME_DESCRIPTION, priority: 0 },
      ...columns.map((c) => ({
        name: c.name,
        type: c.type,
        format: c.format ?? "",
        description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
      })),
    ],
    cells(obj, now) {
      const name = metadataOf(obj)["name"];
      return [
        typeof name === "string" ? name : "",
        ...columns.map((c, i) => {
          const steps = parsed[i];
          if (!steps) return null;
          const results = evaluateJsonPath(steps, obj);
          const first = results[0];
          return first === undefined ? null : cellFor(c, first, now);
        }),
      ];
    },
  };
}

function builtinColumns(t: ResourceType): ColumnSet {
  const printer = t.builtinPrinter ?? genericPrinter;
  return {
    definitions: printer.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 })),
    cells: (obj, now) => printer.cells(obj, now) as JsonValue[],
  };
}

export function columnsFor(t: ResourceType): ColumnSet {
  return t.crdName !== undefined ? crColumns(t) : builtinColumns(t);
}

export interface TableOptions {
  includeObject: IncludeObject;
  /** Omit columnDefinitions (watch events after the first). */
  omitColumns?: boolean;
  resourceVersion?: string;
  now: number;
}

export function toTable(t: ResourceType, objects: readonly JsonObject[], options: TableOptions): JsonObject {
  const columns = columnsFor(t);
  const rows = objects.map((obj) => {
    const row: JsonObject = { cells: columns.cells(obj, options.now) };
    if (options.includeObject === "Object") row["object"] = obj;
    else if (options.includeObject === "Metadata") {
      row["object"] = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: metadataOf(obj) };
    }
    return row;
  });
  const metadata: JsonObject = {};
  if (options.resourceVersion !== undefined) metadata["resourceVersion"] = options.resourceVersion;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: options.omitColumns ? null : columns.definitions,
    rows,
  };
}
