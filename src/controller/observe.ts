/**
 * observe(): read what decide() needs about one Rollout. Read-only; the objects are validated with zod
 * for the few fields sluice reads, everything else is ignored.
 */
import { z } from "zod";
import { analysisPhaseSchema } from "../api/analysis-run.ts";
import { analysisTemplateSpecSchema, type AnalysisTemplateSpec } from "../api/analysis-template.ts";
import { fieldErrorsFrom, formatPath } from "../api/field-errors.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../api/group.ts";
import type { Rollout } from "../api/rollout.ts";
import { analysisReferences } from "../api/template-references.ts";
import type { Observed, ObservedAnalysisRun, ObservedReplicaSet, ObservedRouting, ObservedService } from "../core/observed.ts";
import { isRouterProblem, type KubeObject, type ObservedRouting as RouterReadBack, type RouterProblem, type TrafficRouter } from "../routers/types.ts";
import type { ClusterView } from "./cluster-view.ts";
import { parsePodMetadataAnnotation } from "./build/pod-metadata.ts";
import { failedMetricsOf } from "./failed-metrics.ts";
import { POD_METADATA_ANNOTATION, REVISION_ANNOTATION, SCALE_DOWN_DEADLINE_ANNOTATION } from "./labels.ts";

const replicaSetFields = z.looseObject({
  metadata: z.looseObject({ name: z.string(), resourceVersion: z.string().optional(), labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }),
  spec: z.looseObject({ replicas: z.number().optional(), minReadySeconds: z.number().optional() }).optional(),
  status: z.looseObject({ readyReplicas: z.number().optional(), availableReplicas: z.number().optional() }).optional(),
});

export function observedReplicaSet(obj: KubeObject): ObservedReplicaSet | undefined {
  const rs = replicaSetFields.safeParse(obj);
  if (!rs.success) return undefined;
  const podHash = rs.data.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
  if (!podHash) return undefined;
  const annotations = rs.data.metadata.annotations ?? {};
  return {
    name: rs.data.metadata.name,
    podHash,
    revision: Number(annotations[REVISION_ANNOTATION] ?? "0") || 0,
    replicas: rs.data.spec?.replicas ?? 1,
    // The API server omits a zero.
    minReadySeconds: rs.data.spec?.minReadySeconds ?? 0,
    readyReplicas: rs.data.status?.readyReplicas ?? 0,
    availableReplicas: rs.data.status?.availableReplicas ?? 0,
    scaleDownDeadline: annotations[SCALE_DOWN_DEADLINE_ANNOTATION],
    resourceVersion: rs.data.metadata.resourceVersion,
    ...(POD_METADATA_ANNOTATION in annotations ? { podMetadata: parsePodMetadataAnnotation(annotations[POD_METADATA_ANNOTATION]) } : {}),
  };
}

const runFields = z.looseObject({
  // client-node may hand a Date for a timestamp, a plain list hands the RFC 3339 text.
  metadata: z.looseObject({ name: z.string(), creationTimestamp: z.union([z.string(), z.date().transform((d) => d.toISOString())]).optional() }),
  spec: z.looseObject({ terminate: z.boolean().optional() }).optional(),
  status: z.looseObject({ phase: analysisPhaseSchema.optional(), message: z.string().optional() }).optional(),
});

export function observedAnalysisRun(obj: KubeObject): ObservedAnalysisRun | undefined {
  const run = runFields.safeParse(obj);
  if (!run.success) return undefined;
  const failedMetrics = failedMetricsOf(obj);
  return {
    name: run.data.metadata.name,
    phase: run.data.status?.phase,
    message: run.data.status?.message,
    terminated: run.data.spec?.terminate,
    ...(run.data.metadata.creationTimestamp ? { createdAt: run.data.metadata.creationTimestamp } : {}),
    ...(failedMetrics.length > 0 ? { failedMetrics } : {}),
  };
}

const serviceFields = z.looseObject({ spec: z.looseObject({ selector: z.record(z.string(), z.string()).optional() }).optional() });

/** A Service as decide() sees it: the pod-template hash its selector pins, if any. */
export function observedService(name: string, obj: KubeObject): ObservedService {
  const parsed = serviceFields.safeParse(obj);
  return { name, podHash: parsed.success ? parsed.data.spec?.selector?.[POD_TEMPLATE_HASH_LABEL] : undefined };
}

/** What a router read back, as decide() sees it. */
export function observedRouting(seen: RouterReadBack | RouterProblem): ObservedRouting {
  return isRouterProblem(seen)
    ? { ok: false, problem: seen }
    : { ok: true, canaryWeight: seen.weights.canary, managedRoutes: seen.managedRoutes, ...(seen.subsets ? { subsets: seen.subsets } : {}) };
}

/** Services the strategy names, with the field that names each. */
export function namedServices(rollout: Rollout): { path: string; name: string }[] {
  const { canary, blueGreen } = rollout.spec.strategy;
  const named: { path: string; name: string | undefined }[] = [
    { path: "spec.strategy.canary.stableService", name: canary?.stableService },
    { path: "spec.strategy.canary.canaryService", name: canary?.canaryService },
    { path: "spec.strategy.blueGreen.activeService", name: blueGreen?.activeService },
    { path: "spec.strategy.blueGreen.previewService", name: blueGreen?.previewService },
  ];
  return named.filter((n): n is { path: string; name: string } => n.name !== undefined);
}

/** The templates a Rollout names, from the cache; undefined entries are missing. */
export function templateSpec(view: ClusterView, namespace: string, name: string, clusterScope: boolean): AnalysisTemplateSpec | undefined {
  const obj = clusterScope ? view.clusterAnalysisTemplate(name) : view.analysisTemplate(namespace, name);
  const spec = analysisTemplateSpecSchema.safeParse(obj?.spec);
  return spec.success ? spec.data : undefined;
}

/** Why a named template cannot be used: absent, or present with an invalid spec (its first field error). */
function templateProblem(view: ClusterView, namespace: string, name: string, clusterScope: boolean): string | undefined {
  const kind = clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate";
  const obj = clusterScope ? view.clusterAnalysisTemplate(name) : view.analysisTemplate(namespace, name);
  if (!obj) return `${kind} "${name}" not found; create it or fix the name`;
  const spec = analysisTemplateSpecSchema.safeParse(obj.spec);
  if (spec.success) return undefined;
  const [first] = fieldErrorsFrom(spec.error, obj.spec, analysisTemplateSpecSchema);
  return `${kind} "${name}" is invalid: spec.${first?.path ?? ""}: ${first?.message ?? spec.error.message}; fix the template (sluice lint shows every problem)`;
}

export async function observe(rollout: Rollout, view: ClusterView, router: TrafficRouter | undefined): Promise<Observed> {
  const namespace = rollout.metadata.namespace ?? "default";
  const name = rollout.metadata.name ?? "";
  const missing: Observed["missingReferences"] = [];
  const services: Observed["services"] = {};
  for (const ref of namedServices(rollout)) {
    const svc = view.service(namespace, ref.name);
    if (!svc) {
      missing.push({ path: ref.path, message: `Service "${ref.name}" not found in namespace ${namespace}; create it or fix the name` });
      continue;
    }
    services[ref.name] = observedService(ref.name, svc);
  }
  for (const { path, analysis } of analysisReferences(rollout)) {
    // Several templates in one analysis make one run with all their metrics (Argo's template composition),
    // so a metric name may appear in one of them only.
    const definedBy = new Map<string, string>();
    analysis.templates.forEach((ref, i) => {
      const problem = templateProblem(view, namespace, ref.templateName, ref.clusterScope);
      if (problem) {
        missing.push({ path: formatPath([...path, "templates", i, "templateName"]), message: problem });
        return;
      }
      for (const metric of templateSpec(view, namespace, ref.templateName, ref.clusterScope)?.metrics ?? []) {
        const first = definedBy.get(metric.name);
        if (first !== undefined && first !== ref.templateName) {
          missing.push({ path: formatPath([...path, "templates", i, "templateName"]), message: `metric "${metric.name}" is defined by both ${first} and ${ref.templateName}; the templates of one analysis make one run, so rename one of them` });
        }
        definedBy.set(metric.name, first ?? ref.templateName);
      }
    });
  }
  let routing: ObservedRouting | undefined;
  if (router && missing.length === 0) {
    routing = observedRouting(await router.observe(rollout));
  }
  return {
    replicaSets: view.replicaSets(namespace, name).map(observedReplicaSet).filter((rs): rs is ObservedReplicaSet => rs !== undefined),
    services,
    routing,
    analysisRuns: view.analysisRuns(namespace, name).map(observedAnalysisRun).filter((r): r is ObservedAnalysisRun => r !== undefined),
    missingReferences: missing,
  };
}
