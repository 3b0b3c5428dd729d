/** Recognise and parse sluice objects of any kind, with field errors a person can act on. */
import type { z } from "zod";
import { analysisRunSchema, type AnalysisRun } from "./analysis-run.ts";
import {
  analysisTemplateSchema,
  clusterAnalysisTemplateSchema,
  type AnalysisTemplate,
  type ClusterAnalysisTemplate,
} from "./analysis-template.ts";
import { fieldErrorsFrom, type FieldError } from "./field-errors.ts";
import { API_GROUP, API_GROUP_VERSION } from "./group.ts";
import { rolloutSchema, type Rollout } from "./rollout.ts";

export type SluiceObject =
  | { kind: "Rollout"; value: Rollout }
  | { kind: "AnalysisTemplate"; value: AnalysisTemplate }
  | { kind: "ClusterAnalysisTemplate"; value: ClusterAnalysisTemplate }
  | { kind: "AnalysisRun"; value: AnalysisRun };

export type SluiceKind = SluiceObject["kind"];

const SCHEMAS: Record<SluiceKind, z.ZodType> = {
  Rollout: rolloutSchema,
  AnalysisTemplate: analysisTemplateSchema,
  ClusterAnalysisTemplate: clusterAnalysisTemplateSchema,
  AnalysisRun: analysisRunSchema,
};

export type ParseResult =
  | { status: "valid"; object: SluiceObject }
  | { status: "invalid"; kind: string; errors: FieldError[] }
  /** Not one of ours (a Service, an HTTPRoute...): nothing to validate. */
  | { status: "foreign" };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function parseSluiceObject(doc: unknown): ParseResult {
  if (!isRecord(doc)) return { status: "invalid", kind: "?", errors: [{ path: "", message: "must be a Kubernetes object (a YAML mapping)" }] };
  const apiVersion = doc.apiVersion;
  const kind = typeof doc.kind === "string" ? doc.kind : "?";
  if (typeof apiVersion !== "string" || !apiVersion.startsWith(`${API_GROUP}/`)) return { status: "foreign" };
  if (apiVersion !== API_GROUP_VERSION) {
    return {
      status: "invalid",
      kind,
      errors: [{ path: "apiVersion", message: `must be ${API_GROUP_VERSION} (got ${JSON.stringify(apiVersion)})` }],
    };
  }
  if (!(kind in SCHEMAS)) {
    return {
      status: "invalid",
      kind,
      errors: [{ path: "kind", message: `must be one of ${Object.keys(SCHEMAS).join(", ")} (got ${JSON.stringify(kind)})` }],
    };
  }
  const schema = SCHEMAS[kind as SluiceKind];
  const parsed = schema.safeParse(doc);
  if (!parsed.success) return { status: "invalid", kind, errors: fieldErrorsFrom(parsed.error, doc, schema) };
  return { status: "valid", object: { kind, value: parsed.data } as SluiceObject };
}

/** "Rollout shop/checkout", "ClusterAnalysisTemplate error-rate": how messages name an object. */
export function describeObject(doc: unknown): string {
  if (!isRecord(doc)) return "document";
  const kind = typeof doc.kind === "string" ? doc.kind : "object";
  const meta = isRecord(doc.metadata) ? doc.metadata : {};
  const name = typeof meta.name === "string" ? meta.name : "<no name>";
  return typeof meta.namespace === "string" ? `${kind} ${meta.namespace}/${name}` : `${kind} ${name}`;
}
