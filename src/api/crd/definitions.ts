/** The four sluice CustomResourceDefinitions, built from the zod schemas. */
import type { z } from "zod";
import { analysisRunSchema } from "../analysis-run.ts";
import { analysisTemplateSchema, clusterAnalysisTemplateSchema } from "../analysis-template.ts";
import { API_GROUP, API_VERSION } from "../group.ts";
import { rolloutSchema } from "../rollout.ts";
import { structuralSchemaFor, type JsonSchema } from "./structural-schema.ts";

type PrinterColumn = { name: string; type: string; jsonPath: string; description?: string; priority?: number };

type KindDefinition = {
  kind: string;
  plural: string;
  shortNames: string[];
  categories: string[];
  scope: "Namespaced" | "Cluster";
  schema: z.ZodType;
  subresources: JsonSchema;
  printerColumns?: PrinterColumn[];
};

const AGE: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

export const KIND_DEFINITIONS: KindDefinition[] = [
  {
    kind: "Rollout",
    plural: "rollouts",
    shortNames: ["ro"],
    categories: ["sluice", "all"],
    scope: "Namespaced",
    schema: rolloutSchema,
    subresources: {
      status: {},
      scale: {
        specReplicasPath: ".spec.replicas",
        statusReplicasPath: ".status.replicas",
        labelSelectorPath: ".status.selector",
      },
    },
    printerColumns: [
      { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Healthy, Progressing, Paused, Degraded or Aborted" },
      { name: "Step", type: "string", jsonPath: ".status.stepProgress", description: "Current canary step / number of steps" },
      { name: "Weight", type: "integer", jsonPath: ".status.canary.weights.canary", description: "Percentage of traffic on the canary, as read back from the router (without one: by available pods)" },
      AGE,
      { name: "Message", type: "string", jsonPath: ".status.message", description: "Why the rollout is in its phase" },
    ],
  },
  {
    kind: "AnalysisTemplate",
    plural: "analysistemplates",
    shortNames: ["at"],
    categories: ["sluice"],
    scope: "Namespaced",
    schema: analysisTemplateSchema,
    subresources: {},
  },
  {
    kind: "ClusterAnalysisTemplate",
    plural: "clusteranalysistemplates",
    shortNames: ["cat"],
    categories: ["sluice"],
    scope: "Cluster",
    schema: clusterAnalysisTemplateSchema,
    subresources: {},
  },
  {
    kind: "AnalysisRun",
    plural: "analysisruns",
    shortNames: ["ar"],
    categories: ["sluice"],
    scope: "Namespaced",
    schema: analysisRunSchema,
    subresources: { status: {} },
    printerColumns: [
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      AGE,
      { name: "Message", type: "string", jsonPath: ".status.message" },
    ],
  },
];

export type CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: JsonSchema;
};

export function crdFor(def: KindDefinition): CustomResourceDefinition {
  const version: JsonSchema = {
    name: API_VERSION,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: structuralSchemaFor(def.schema) },
  };
  if (Object.keys(def.subresources).length > 0) version.subresources = def.subresources;
  if (def.printerColumns) version.additionalPrinterColumns = def.printerColumns;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${def.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      scope: def.scope,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.kind.toLowerCase(),
        shortNames: def.shortNames,
        categories: def.categories,
      },
      versions: [version],
    },
  };
}

export const allCrds = (): CustomResourceDefinition[] => KIND_DEFINITIONS.map(crdFor);
