/** Read AnalysisTemplates and ClusterAnalysisTemplates from the cluster. */
import { ApiException, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { TemplateRef } from "../api/analysis-refs.ts";
import { analysisTemplateSpecSchema, type AnalysisTemplateSpec } from "../api/analysis-template.ts";
import { API_GROUP, API_VERSION } from "../api/group.ts";

export type FetchedTemplate = { found: true; spec: AnalysisTemplateSpec } | { found: false; reason: string };

export async function fetchTemplate(kc: KubeConfig, ref: TemplateRef, namespace: string): Promise<FetchedTemplate> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const common = { group: API_GROUP, version: API_VERSION, name: ref.templateName };
  let object: unknown;
  try {
    object = ref.clusterScope
      ? await api.getClusterCustomObject({ ...common, plural: "clusteranalysistemplates" })
      : await api.getNamespacedCustomObject({ ...common, namespace, plural: "analysistemplates" });
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return { found: false, reason: "not found" };
    throw error;
  }
  const spec = analysisTemplateSpecSchema.safeParse((object as { spec?: unknown }).spec);
  return spec.success ? { found: true, spec: spec.data } : { found: false, reason: "invalid in the cluster" };
}
