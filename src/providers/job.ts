/**
 * The job metric provider's I/O (Argo Rollouts' `job`): create, read and delete batch/v1 Jobs through the
 * KubeClient, and read a Job's outcome from its status conditions as the Job controller writes them (type
 * Complete or Failed with status "True"). Failures come back as data, never as throws.
 */
import { z } from "zod";
import { ConflictError, type KubeClient, type KubeObject } from "../kube/kube-client.ts";
import { errorMessage } from "../util/retry-log.ts";
import type { JobCallOutcome, JobClient } from "./types.ts";

const ref = (namespace: string, name: string) => ({ apiVersion: "batch/v1", kind: "Job", namespace, name });

async function attempt<T>(what: string, call: () => Promise<T>): Promise<JobCallOutcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, message: `${what}: ${errorMessage(error)}` };
  }
}

export function kubeJobs(kube: KubeClient): JobClient {
  return {
    async create(job) {
      const namespace = job.metadata.namespace ?? "default";
      try {
        return { ok: true, value: { job: await kube.create(job), existed: false } };
      } catch (error) {
        // AlreadyExists: an earlier pass created it and stopped before recording it (a crash, a lost write).
        if (!(error instanceof ConflictError)) return { ok: false, message: `create Job ${namespace}/${job.metadata.name}: ${errorMessage(error)}` };
      }
      const found = await attempt(`read Job ${namespace}/${job.metadata.name}`, () => kube.get(ref(namespace, job.metadata.name)));
      if (!found.ok) return found;
      if (!found.value) return { ok: false, message: `Job ${namespace}/${job.metadata.name} already existed and is gone now (being deleted); will try again` };
      return { ok: true, value: { job: found.value, existed: true } };
    },
    get: (namespace, name) => attempt(`read Job ${namespace}/${name}`, () => kube.get(ref(namespace, name))),
    delete: (namespace, name) => attempt(`delete Job ${namespace}/${name}`, () => kube.delete(ref(namespace, name), "Background")),
  };
}

const jobStatusSchema = z.looseObject({
  conditions: z.array(z.looseObject({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() })).optional(),
  succeeded: z.number().optional(),
  failed: z.number().optional(),
});

export type JobOutcome = { readonly state: "running" } | { readonly state: "complete" | "failed"; readonly reason: string; readonly message: string };

/** What the Job controller says of the Job: finished (Complete or Failed, status "True") or still running. */
export function jobOutcome(job: KubeObject): JobOutcome {
  const status = jobStatusSchema.safeParse(job.status ?? {});
  const conditions = status.success ? (status.data.conditions ?? []) : [];
  const finished = conditions.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  if (!finished) return { state: "running" };
  const counts = status.success ? `${status.data.succeeded ?? 0} succeeded, ${status.data.failed ?? 0} failed pod(s)` : "";
  const reason = finished.reason ?? finished.type;
  return { state: finished.type === "Complete" ? "complete" : "failed", reason, message: [finished.message, counts].filter((t) => t).join("; ") };
}
