/** For `lint --cluster`: fetch the templates Rollouts name but the files do not hold, once each. */
import type { AnalysisTemplateSpec } from "../../api/analysis-template.ts";
import type { SluiceObject } from "../../api/objects.ts";
import { analysisReferences, type TemplateLookup } from "../../api/template-references.ts";
import { fetchTemplate } from "../../kube/analysis-templates.ts";
import type { KubeConfig } from "@kubernetes/client-node";

const keyOf = (clusterScope: boolean, name: string, namespace: string) => (clusterScope ? `cluster/${name}` : `${namespace}/${name}`);

export async function clusterTemplateLookup(
  kc: KubeConfig,
  objects: SluiceObject[],
  local: TemplateLookup,
  defaultNamespace: string,
): Promise<TemplateLookup> {
  const fetched = new Map<string, AnalysisTemplateSpec | undefined>();
  for (const o of objects) {
    if (o.kind !== "Rollout") continue;
    const namespace = o.value.metadata.namespace ?? defaultNamespace;
    for (const { analysis } of analysisReferences(o.value)) {
      for (const ref of analysis.templates) {
        const key = keyOf(ref.clusterScope, ref.templateName, namespace);
        if (local(ref, o.value.metadata.namespace) || fetched.has(key)) continue;
        const result = await fetchTemplate(kc, ref, namespace);
        fetched.set(key, result.found ? result.spec : undefined);
      }
    }
  }
  return (ref, namespace) => fetched.get(keyOf(ref.clusterScope, ref.templateName, namespace ?? defaultNamespace));
}
