/**
 * One look at a `provider.job` metric. A Job runs for minutes, so a measurement never waits for it: the first look
 * creates the Job and records a Running measurement naming it; each later look reads the Job and settles that
 * measurement (same startedAt) once the Job is Complete (Successful) or Failed (Failed, with the Job's message).
 * A Job that already exists under the deterministic name (a pass that crashed before writing the status) is
 * adopted. The run's last look at termination deletes a Job still running: its outcome no longer matters.
 */
import type { Measurement, MetricResult } from "../api/analysis-run.ts";
import type { Metric } from "../api/metric.ts";
import { jobOutcome } from "../providers/job.ts";
import type { JobClient, ResolvedArgs } from "../providers/types.ts";
import { JOB_NAME_KEY, jobManifest, jobName, ownedBy, type JobOwner } from "./job-manifest.ts";
import { errorMeasurement } from "./measure-threshold.ts";
import { awaitedJob } from "./metric-progress.ts";

export interface MeasureJobInput {
  readonly jobs: JobClient;
  readonly metric: Metric;
  readonly result: MetricResult;
  readonly owner: JobOwner;
  readonly args: ResolvedArgs;
  readonly at: Date;
  readonly now: () => Date;
  /** The run is terminated: this is the last look, a Job still running is deleted. */
  readonly final: boolean;
}

type Job = Parameters<typeof jobOutcome>[0];

/** The measurement for `job` as it stands: settled when it finished, else Running (same startedAt each look). */
function fromJob(job: Job, startedAt: string, now: Date): Measurement {
  const name = job.metadata.name;
  const metadata = { [JOB_NAME_KEY]: name };
  const outcome = jobOutcome(job);
  if (outcome.state === "running") return { phase: "Running", startedAt, metadata, message: `Job ${name} is running` };
  const finishedAt = now.toISOString();
  if (outcome.state === "complete") return { phase: "Successful", startedAt, finishedAt, metadata, value: outcome.reason, message: `Job ${name} completed${outcome.message ? `: ${outcome.message}` : ""}` };
  return { phase: "Failed", startedAt, finishedAt, metadata, value: outcome.reason, message: `Job ${name} failed (${outcome.reason})${outcome.message ? `: ${outcome.message}` : ""}` };
}

async function check(input: MeasureJobInput, pending: Measurement, name: string): Promise<Measurement> {
  const { jobs, owner } = input;
  const startedAt = pending.startedAt ?? input.at.toISOString();
  const found = await jobs.get(owner.namespace, name);
  // Reading failed (the API server is away): the Job runs on regardless; look again next time.
  if (!found.ok) return { ...pending, message: `Job ${name} is running (${found.message}; will look again)` };
  if (!found.value) return { ...errorMeasurement(new Date(startedAt), input.now(), `Job ${owner.namespace}/${name} is gone before it finished (deleted by someone else?); the next measurement creates a new one`), metadata: { [JOB_NAME_KEY]: name } };
  const measurement = fromJob(found.value, startedAt, input.now());
  if (measurement.phase !== "Running" || !input.final) return measurement;
  const deleted = await jobs.delete(owner.namespace, name);
  if (!deleted.ok) return { ...measurement, message: `the run is terminated but ${deleted.message}; will try again` };
  return { phase: "Inconclusive", startedAt, finishedAt: input.now().toISOString(), metadata: { [JOB_NAME_KEY]: name }, message: `terminated: Job ${name} deleted before it finished` };
}

export async function measureJob(input: MeasureJobInput): Promise<Measurement> {
  const { metric, owner } = input;
  const job = metric.provider.job;
  if (!job) return errorMeasurement(input.at, input.now(), "metric has no provider.job");
  const pending = awaitedJob(metric, input.result);
  if (pending) return check(input, pending.measurement, pending.jobName);
  if (input.final) return { phase: "Inconclusive", startedAt: input.at.toISOString(), finishedAt: input.now().toISOString(), message: "terminated before a Job was started" };
  // `count` numbers the measurements taken (errors included), so each measurement has its own Job.
  const name = jobName(owner.name, metric.name, input.result.count + 1);
  const manifest = jobManifest(job, owner, metric.name, name, input.args);
  if (!manifest.ok) return errorMeasurement(input.at, input.now(), manifest.message);
  const created = await input.jobs.create(manifest.job);
  if (!created.ok) return errorMeasurement(input.at, input.now(), created.message);
  if (created.value.existed && !ownedBy(created.value.job, owner)) {
    return errorMeasurement(input.at, input.now(), `Job ${owner.namespace}/${name} already exists and is not this AnalysisRun's (uid ${owner.uid}); delete it, or rename metric "${metric.name}"`);
  }
  return fromJob(created.value.job, input.at.toISOString(), input.now());
}
