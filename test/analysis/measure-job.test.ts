/**
 * provider.job measurements against a scripted JobClient: the first look creates the Job (deterministic name,
 * labels, ownerReference, args filled) and is Running, uncounted; later looks settle it from the Job's conditions
 * (Complete = Successful, Failed = Failed with the Job's message); an existing Job of that name is adopted when it
 * is the run's, refused when it is not; termination deletes a Job still running; secret args are masked.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { analysisRunSpecSchema, type Measurement, type MetricResult } from "../../src/api/analysis-run.ts";
import { metricSchema, type Metric } from "../../src/api/metric.ts";
import { jobName } from "../../src/analysis/job-manifest.ts";
import { maskMeasurement } from "../../src/analysis/mask-secrets.ts";
import { measureJob } from "../../src/analysis/measure-job.ts";
import { emptyMetricResult } from "../../src/analysis/metric-progress.ts";
import { advanceRun, finalLooksAtTermination } from "../../src/analysis/run-progress.ts";
import type { KubeObject } from "../../src/kube/kube-object.ts";
import { literalArgs } from "../../src/providers/resolved-args.ts";
import type { JobClient, ResolvedArgs } from "../../src/providers/types.ts";

const owner = { name: "checkout-6f9c-2", namespace: "shop", uid: "uid-run-1", labels: { "sluice.dev/rollout": "checkout" } };
const metric = (extra: Record<string, unknown> = {}): Metric =>
  metricSchema.parse({
    name: "smoke",
    provider: { job: { spec: { backoffLimit: 1, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "curlimages/curl", command: ["curl", "-fsS", "http://{{args.host}}/smoke"], env: [{ name: "TOKEN", value: "{{args.token}}" }] }] } } } } },
    ...extra,
  });

/** A JobClient over a map, recording its calls. */
function fakeJobs(): JobClient & { jobs: Map<string, KubeObject>; calls: string[] } {
  const jobs = new Map<string, KubeObject>();
  const calls: string[] = [];
  return {
    jobs,
    calls,
    async create(job) {
      calls.push(`create ${job.metadata.name}`);
      const existing = jobs.get(job.metadata.name);
      if (existing) return { ok: true, value: { job: existing, existed: true } };
      jobs.set(job.metadata.name, job);
      return { ok: true, value: { job, existed: false } };
    },
    async get(_namespace, name) {
      calls.push(`get ${name}`);
      return { ok: true, value: jobs.get(name) };
    },
    async delete(_namespace, name) {
      calls.push(`delete ${name}`);
      jobs.delete(name);
      return { ok: true, value: undefined };
    },
  };
}

const args: ResolvedArgs = { values: new Map([["host", "checkout.shop"], ["token", "s3cr3t-token"]]), secrets: new Map([["token", { namespace: "shop", name: "smoke", key: "token" }]]) };
const t0 = new Date("2026-01-01T00:00:00.000Z");
const look = (jobs: JobClient, result: MetricResult, m = metric(), final = false, at = t0) => measureJob({ jobs, metric: m, result, owner, args, at, now: () => new Date(at.getTime() + 1000), final });
const setConditions = (job: KubeObject | undefined, conditions: unknown[], counts: Record<string, number>) => {
  assert.ok(job);
  job.status = { ...counts, conditions };
};

test("the first look creates the Job (name, labels, ownerReference, args filled) and is Running, counted nowhere", async () => {
  const jobs = fakeJobs();
  const m = metric();
  const first = await look(jobs, emptyMetricResult(m), m);
  assert.equal(first.phase, "Running");
  assert.deepEqual(first.metadata, { jobName: "checkout-6f9c-2-smoke-1" });
  const job = jobs.jobs.get("checkout-6f9c-2-smoke-1");
  assert.ok(job);
  assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: "sluice.dev/v1alpha1", kind: "AnalysisRun", name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(job.metadata.labels, { "sluice.dev/analysis-run-uid": "uid-run-1", "sluice.dev/analysis-run": owner.name, "sluice.dev/metric": "smoke", "sluice.dev/rollout": "checkout" });
  const container = (job.spec as { template: { spec: { containers: { command: string[]; env: { value: string }[] }[] } } }).template.spec.containers[0];
  assert.deepEqual(container?.command, ["curl", "-fsS", "http://checkout.shop/smoke"]);
  assert.equal(container?.env[0]?.value, "s3cr3t-token", "the Job gets the secret's value; what is shown of it is masked");

  const spec = analysisRunSpecSchema.parse({ metrics: [m] });
  const progress = advanceRun(spec, undefined, [{ metric: "smoke", measurement: first }], t0);
  const result = progress.status.metricResults?.[0];
  assert.deepEqual([result?.phase, result?.count, result?.failed, result?.successful], ["Running", 0, 0, 0]);
  assert.deepEqual(progress.due.map((d) => [d.metric, d.poll]), [["smoke", true]], "due at every look, spaced by the runner");
});

test("later looks: still running stays Running (same startedAt); Complete settles it Successful, counted once", async () => {
  const jobs = fakeJobs();
  const m = metric();
  const spec = analysisRunSpecSchema.parse({ metrics: [m] });
  const first = await look(jobs, emptyMetricResult(m), m);
  let status = advanceRun(spec, undefined, [{ metric: "smoke", measurement: first }], t0).status;
  const result = () => status.metricResults?.[0] ?? emptyMetricResult(m);
  const again = await look(jobs, result(), m, false, new Date(t0.getTime() + 5000));
  assert.deepEqual([again.phase, again.startedAt], ["Running", first.startedAt]);
  status = advanceRun(spec, status, [{ metric: "smoke", measurement: again }], t0).status;
  assert.equal(result().count, 0);
  assert.equal(jobs.calls.filter((c) => c.startsWith("create")).length, 1, "no second Job");

  setConditions(jobs.jobs.get("checkout-6f9c-2-smoke-1"), [{ type: "SuccessCriteriaMet", status: "True" }, { type: "Complete", status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods" }], { succeeded: 1 });
  const done = await look(jobs, result(), m, false, new Date(t0.getTime() + 9000));
  assert.deepEqual([done.phase, done.startedAt, done.value], ["Successful", first.startedAt, "CompletionsReached"]);
  assert.match(done.message ?? "", /^Job checkout-6f9c-2-smoke-1 completed: Reached expected number of succeeded pods; 1 succeeded, 0 failed pod\(s\)$/);
  status = advanceRun(spec, status, [{ metric: "smoke", measurement: done }], t0).status;
  assert.deepEqual([result().phase, result().count, result().successful, result().measurements?.length, status.phase], ["Successful", 1, 1, 1, "Successful"]);
  // The same settled measurement applied again (a retried write) is not counted twice.
  status = advanceRun(spec, status, [{ metric: "smoke", measurement: done }], t0).status;
  assert.equal(result().count, 1);
});

test("a Failed Job fails the measurement with the Job's reason and message; a FailureTarget alone is still running", async () => {
  const jobs = fakeJobs();
  const m = metric();
  const first = await look(jobs, emptyMetricResult(m), m);
  const pending = { ...emptyMetricResult(m), phase: "Running" as const, measurements: [first] };
  const job = jobs.jobs.get("checkout-6f9c-2-smoke-1");
  setConditions(job, [{ type: "FailureTarget", status: "True", reason: "BackoffLimitExceeded" }], { failed: 2 });
  assert.equal((await look(jobs, pending, m)).phase, "Running", "only the Failed condition is the Job's end");
  setConditions(job, [{ type: "Failed", status: "False" }], { failed: 2 });
  assert.equal((await look(jobs, pending, m)).phase, "Running", "a condition with status False is no verdict");
  setConditions(job, [{ type: "FailureTarget", status: "True" }, { type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }], { failed: 2 });
  const failed = await look(jobs, pending, m);
  assert.equal(failed.phase, "Failed");
  assert.equal(failed.message, "Job checkout-6f9c-2-smoke-1 failed (BackoffLimitExceeded): Job has reached the specified backoff limit; 0 succeeded, 2 failed pod(s)");
  const spec = analysisRunSpecSchema.parse({ metrics: [m] });
  const status = advanceRun(spec, { phase: "Running", startedAt: t0.toISOString(), metricResults: [pending] }, [{ metric: "smoke", measurement: failed }], t0).status;
  assert.deepEqual([status.phase, status.metricResults?.[0]?.failed, status.metricResults?.[0]?.count], ["Failed", 1, 1]);
});

test("a Job that already exists (a pass crashed before writing the status) is adopted when it is the run's, refused when not", async () => {
  const jobs = fakeJobs();
  const m = metric();
  await look(jobs, emptyMetricResult(m), m); // created, status never written
  const resumed = await look(jobs, emptyMetricResult(m), m);
  assert.deepEqual([resumed.phase, resumed.metadata?.["jobName"]], ["Running", "checkout-6f9c-2-smoke-1"]);
  assert.equal(jobs.jobs.size, 1);

  const foreign = jobs.jobs.get("checkout-6f9c-2-smoke-1");
  assert.ok(foreign);
  foreign.metadata.ownerReferences = [{ apiVersion: "sluice.dev/v1alpha1", kind: "AnalysisRun", name: owner.name, uid: "uid-of-an-older-run", controller: true }];
  const refused = await look(jobs, emptyMetricResult(m), m);
  assert.equal(refused.phase, "Error");
  assert.match(refused.message ?? "", /already exists and is not this AnalysisRun's \(uid uid-run-1\); delete it, or rename metric "smoke"/);
});

test("termination deletes a Job still running (its last look); a finished one is read, not deleted", async () => {
  const jobs = fakeJobs();
  const m = metric();
  const spec = analysisRunSpecSchema.parse({ metrics: [m], terminate: true });
  const first = await look(jobs, emptyMetricResult(m), m);
  const pending: MetricResult = { ...emptyMetricResult(m), phase: "Running", measurements: [first] };
  const status = { phase: "Running" as const, startedAt: t0.toISOString(), metricResults: [pending] };
  assert.deepEqual(finalLooksAtTermination(spec, status), ["smoke"]);
  const last = await look(jobs, pending, m, true);
  assert.deepEqual(jobs.calls.at(-1), "delete checkout-6f9c-2-smoke-1");
  assert.equal(jobs.jobs.size, 0);
  assert.deepEqual([last.phase, last.message], ["Inconclusive", "terminated: Job checkout-6f9c-2-smoke-1 deleted before it finished"]);
  assert.equal(advanceRun(spec, status, [{ metric: "smoke", measurement: last }], t0).status.phase, "Inconclusive");

  const again = fakeJobs();
  const started = await look(again, emptyMetricResult(m), m);
  setConditions(again.jobs.get("checkout-6f9c-2-smoke-1"), [{ type: "Complete", status: "True", reason: "CompletionsReached" }], { succeeded: 1 });
  const read = await look(again, { ...emptyMetricResult(m), phase: "Running", measurements: [started] }, m, true);
  assert.equal(read.phase, "Successful");
  assert.ok(!again.calls.some((c) => c.startsWith("delete")));
});

test("a Job deleted by someone else is an Error that settles the measurement; the next look makes a new Job", async () => {
  const jobs = fakeJobs();
  const m = metric({ interval: "1m", count: 2 });
  const spec = analysisRunSpecSchema.parse({ metrics: [m] });
  const first = await look(jobs, emptyMetricResult(m), m);
  let status = advanceRun(spec, undefined, [{ metric: "smoke", measurement: first }], t0).status;
  jobs.jobs.clear();
  const gone = await look(jobs, status.metricResults?.[0] ?? emptyMetricResult(m), m);
  assert.equal(gone.phase, "Error");
  status = advanceRun(spec, status, [{ metric: "smoke", measurement: gone }], t0).status;
  const next = await look(jobs, status.metricResults?.[0] ?? emptyMetricResult(m), m, false, new Date(t0.getTime() + 60_000));
  assert.equal(next.metadata?.["jobName"], "checkout-6f9c-2-smoke-2");
});

test("job names: RUN-METRIC-N when valid; otherwise cleaned, cut to 63 and told apart by a hash", () => {
  assert.equal(jobName("checkout-6f9c-2", "smoke", 3), "checkout-6f9c-2-smoke-3");
  const long = jobName("a-very-long-analysis-run-name-for-the-checkout-service-6f9c8d7b5-12", "smoke", 3);
  assert.ok(long.length <= 63, long);
  assert.match(long, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  assert.match(long, /-[0-9a-f]{10}-3$/);
  const [a, b] = [jobName("run", "Smoke_Test", 1), jobName("run", "smoke.test", 1)];
  assert.notEqual(a, b, "names that clean up the same stay apart");
  for (const name of [a, b]) assert.match(name, /^run-smoke-test-[0-9a-f]{10}-1$/);
});

test("a secret arg in the Job's spec is masked in what the measurement shows; an arg without a value is an Error naming it", async () => {
  const jobs = fakeJobs();
  const m = metric();
  await look(jobs, emptyMetricResult(m), m);
  setConditions(jobs.jobs.get("checkout-6f9c-2-smoke-1"), [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "pod said: token s3cr3t-token refused" }], { failed: 2 });
  const first = await look(jobs, { ...emptyMetricResult(m), phase: "Running", measurements: [{ phase: "Running", startedAt: t0.toISOString(), metadata: { jobName: "checkout-6f9c-2-smoke-1" } } as Measurement] }, m);
  assert.match(maskMeasurement(first, args).message ?? "", /token \[secret arg token\] refused/);
  const missing = await measureJob({ jobs: fakeJobs(), metric: m, result: emptyMetricResult(m), owner, args: literalArgs({ host: "x" }), at: t0, now: () => t0, final: false });
  assert.deepEqual([missing.phase, missing.message], ["Error", 'argument "token" is used in provider.job but has no value']);
});

test("a job metric refuses conditions, compare and minSamples, naming the fix", () => {
  const refused = metricSchema.safeParse({ ...metric(), successCondition: "result == 1" });
  assert.equal(refused.success, false);
  assert.deepEqual(refused.error?.issues.map((i) => [i.path.join("."), i.message]), [["successCondition", "does not apply to provider.job: the Job's outcome is the verdict (Complete = Successful, Failed = Failed); remove it"]]);
  const always = metricSchema.safeParse({ name: "x", provider: { job: { spec: { template: { spec: { restartPolicy: "Always", containers: [{ name: "c", image: "i" }] } } } } } });
  assert.match(always.error?.issues[0]?.message ?? "", /must be "Never" or "OnFailure"/);
});
