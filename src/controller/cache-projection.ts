/**
 * What the informer caches keep of each object: what observe(), the work queue and the analysis runner read,
 * and nothing else. At 10,000 Rollouts the caches hold some 30,000 ReplicaSets, each with its full pod
 * template, and AnalysisRuns with every measurement they took; none of that is read from the cache
 * (reconcile reads the Rollout fresh, the runner reads its run fresh). Kept: metadata (without managedFields
 * and kubectl's last-applied copy; of a ReplicaSet only its name, labels, annotations and version), a ReplicaSet's
 * replicas and ready/available counts, an AnalysisRun's
 * `spec.terminate` and status phase and message (and, of a failed run, its failing metrics' latest value and condition), a Deployment's replicas, selector, template and counts. Rollouts, Services and templates are kept whole: their specs
 * are read from the cache (which Rollouts name a Service or template, the templates' metrics).
 *
 * client-node's ListWatch stores the object it received and then hands that same object to the `add` and
 * `update` handlers; trimming it in place in the first handler is what trims the cache. (It offers no
 * transform hook; a trimmed copy would leave the full object cached.)
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import { trimToFailedMetrics } from "./failed-metrics.ts";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

type Loose = Record<string, unknown>;
const isRecord = (value: unknown): value is Loose => typeof value === "object" && value !== null && !Array.isArray(value);

function keepOnly(record: unknown, keys: readonly string[]): void {
  if (!isRecord(record)) return;
  for (const key of Object.keys(record)) if (!keys.includes(key)) delete record[key];
}

/** Trim `obj` in place to what the caches need of its kind. */
export function trimForCache(kind: string, obj: KubernetesObject): void {
  const metadata = obj.metadata;
  if (metadata) {
    delete metadata.managedFields;
    if (metadata.annotations && LAST_APPLIED in metadata.annotations) delete metadata.annotations[LAST_APPLIED];
  }
  const loose = obj as unknown as Loose;
  if (kind === "ReplicaSet") {
    // A Rollout keeps up to revisionHistoryLimit old ReplicaSets (10 by default): at 10,000 Rollouts some
    // 100,000 cached objects, so each keeps only what observe() reads (the soak bench measured the rest).
    keepOnly(metadata, ["name", "namespace", "resourceVersion", "labels", "annotations", "deletionTimestamp"]);
    keepOnly(loose.spec, ["replicas", "minReadySeconds"]);
    keepOnly(loose.status, ["readyReplicas", "availableReplicas"]);
  }
  if (kind === "AnalysisRun") {
    // A failed run keeps its failing metrics' value and condition: decide() names them in the abort's Event.
    trimToFailedMetrics(loose);
    keepOnly(loose.spec, ["terminate", "metrics"]);
    keepOnly(loose.status, ["phase", "message", "metricResults"]);
  }
  // Deployments are watched for workloadRef: their template (the Rollout's revision), replicas and counts.
  if (kind === "Deployment") {
    keepOnly(loose.spec, ["replicas", "selector", "template"]);
    keepOnly(loose.status, ["replicas", "availableReplicas", "readyReplicas", "observedGeneration"]);
  }
}
