/**
 * The Job a job metric's measurement runs (pure): a name derived from the run, the metric and the measurement's
 * number, so a pass that crashed after creating it finds the same Job again; labels and an ownerReference tying it
 * to the AnalysisRun (deleting the run deletes its Jobs); the metric's Job spec with `{{args.NAME}}` filled.
 */
import { createHash } from "node:crypto";
import { API_GROUP_VERSION } from "../api/group.ts";
import type { JobProvider } from "../api/metric.ts";
import { ROLLOUT_LABEL } from "../controller/labels.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { fillArgs } from "../providers/resolved-args.ts";
import type { ResolvedArgs } from "../providers/types.ts";
import type { JsonObject, JsonValue } from "../util/json.ts";

export const JOB_RUN_UID_LABEL = "sluice.dev/analysis-run-uid";
export const JOB_RUN_LABEL = "sluice.dev/analysis-run";
export const JOB_METRIC_LABEL = "sluice.dev/metric";
/** The measurement's metadata key naming its Job. */
export const JOB_NAME_KEY = "jobName";

/** A Job's name is a DNS-1123 label at most 63 long (its pods carry it in the job-name label). */
const MAX_NAME = 63;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * `RUN-METRIC-N` when that is a valid name; otherwise what of it is valid, cut to fit, with a hash of the run and
 * metric names before `-N`, so names that clean up the same (a_b, a.b, A-b) stay apart.
 */
export function jobName(run: string, metric: string, measurement: number): string {
  const plain = `${run}-${metric}-${measurement}`;
  if (plain.length <= MAX_NAME && DNS_LABEL.test(plain)) return plain;
  const hash = createHash("sha256").update(`${run}\n${metric}`).digest("hex").slice(0, 10);
  const tail = `-${hash}-${measurement}`;
  const head = `${run}-${metric}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-").slice(0, MAX_NAME - tail.length).replace(/^-+|-+$/g, "");
  return `${head || "job"}${tail}`;
}

export interface JobOwner {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

/** Every string in `value` with its {{args.NAME}} filled as written, or the first arg without a value. */
function fillAll(value: JsonValue, args: ResolvedArgs): { ok: true; value: JsonValue } | { ok: false; message: string } {
  if (typeof value === "string") {
    const filled = fillArgs(value, args, "provider.job");
    return filled.ok ? { ok: true, value: filled.text } : filled;
  }
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      const filled = fillAll(item, args);
      if (!filled.ok) return filled;
      out.push(filled.value);
    }
    return { ok: true, value: out };
  }
  if (value !== null && typeof value === "object") {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      const filled = fillAll(item, args);
      if (!filled.ok) return filled;
      out[key] = filled.value;
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}

export function jobManifest(job: JobProvider, owner: JobOwner, metric: string, name: string, args: ResolvedArgs): { ok: true; job: KubeObject } | { ok: false; message: string } {
  const filled = fillAll(JSON.parse(JSON.stringify({ metadata: job.metadata ?? {}, spec: job.spec })) as JsonValue, args);
  if (!filled.ok) return filled;
  const given = filled.value as { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> };
  const rollout = owner.labels?.[ROLLOUT_LABEL];
  const labels: Record<string, string> = {
    ...(given.metadata.labels ?? {}),
    [JOB_RUN_UID_LABEL]: owner.uid,
    // Names longer than a label value may be are left to the uid label.
    ...(owner.name.length <= MAX_NAME && LABEL_VALUE.test(owner.name) ? { [JOB_RUN_LABEL]: owner.name } : {}),
    ...(metric.length <= MAX_NAME && LABEL_VALUE.test(metric) ? { [JOB_METRIC_LABEL]: metric } : {}),
    ...(rollout ? { [ROLLOUT_LABEL]: rollout } : {}),
  };
  return {
    ok: true,
    job: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name,
        namespace: owner.namespace,
        labels,
        ...(given.metadata.annotations ? { annotations: given.metadata.annotations } : {}),
        ownerReferences: [{ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: given.spec,
    },
  };
}

/** True when the Job was made for this run (its controller ownerReference is the run). */
export function ownedBy(job: KubeObject, owner: JobOwner): boolean {
  return (job.metadata.ownerReferences ?? []).some((r) => r.kind === "AnalysisRun" && r.uid === owner.uid && r.controller === true);
}
