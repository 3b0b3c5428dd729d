// Description of one served resource (built-in or from a CRD): names, scope, subresources,
// strategy flags and, for CRDs, the structural schema and printer columns.
import type { JsonObject } from "../../util/json.ts";
import type { PatchMeta } from "./patch/patch-meta.ts";
import type { StructuralSchema } from "./crd-schema.ts";

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** A built-in printer: column definitions plus a function computing one row's cells. */
export interface BuiltinPrinter {
  columns: { name: string; type: string; format?: string; description?: string; priority?: number }[];
  cells(obj: JsonObject, now: number): unknown[];
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  statusSubresource: boolean;
  scale?: ScaleSubresource;
  /** Built-ins accept strategic merge patch; CRs do not (sheet §5.1). */
  strategicMerge: boolean;
  patchMeta?: PatchMeta;
  /** PUT without resourceVersion allowed (Deployment, ConfigMap…); false for CRs, CRDs, Leases. */
  allowUnconditionalUpdate: boolean;
  /** PUT on a missing object creates it (Lease, most core built-ins). */
  allowCreateOnUpdate: boolean;
  /** metadata.generation maintained (CRs, CRDs, Deployments, ReplicaSets…). */
  tracksGeneration: boolean;
  /** CRD structural schema for this version (CRs only). */
  schema?: StructuralSchema;
  /** Built-ins: field set of the typed struct, for pruning only (may be cyclic; never serialised). */
  pruneSchema?: StructuralSchema;
  printerColumns?: PrinterColumn[];
  builtinPrinter?: BuiltinPrinter;
  /** Set for resources that come from a CRD (name of the CRD). */
  crdName?: string;
  /** Served but not the storage version etc. are irrelevant here; deprecation emits a Warning. */
  deprecationWarning?: string;
  /** Server-side defaulting and validation for built-ins (null = none). */
  defaulter?: (obj: JsonObject) => void;
  /** Another (group, plural) whose storage this type shares, e.g. events.k8s.io events ↔ core events. */
  storageKey: string;
  /** Conversion between this version's shape and the stored shape (events.k8s.io ↔ core). */
  conversion?: {
    toStorage(obj: JsonObject): JsonObject;
    fromStorage(obj: JsonObject): JsonObject;
    fieldToStorage(field: string): string;
  };
}

export function apiVersionOf(t: { group: string; version: string }): string {
  return t.group === "" ? t.version : `${t.group}/${t.version}`;
}

export function storageKeyOf(group: string, plural: string): string {
  return group === "" ? plural : `${plural}.${group}`;
}
