// The sandbox's Job controller: a Job's first container runs as a local process; exit 0 completes the Job,
// a failure is retried (with backoff) until backoffLimit retries are spent and then fails it; the deadline and
// deletion kill the process. Defaults and validation as kube-apiserver serves Jobs.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { ClientNodeKube } from "../../src/kube/kube-client.ts";
import { kubeJobs } from "../../src/providers/job.ts";
import type { ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { call, eventually, startTestServer } from "./helpers.ts";

let server: ApiServer;
before(async () => {
  server = await startTestServer({ jobBackoffBaseMs: 50 });
});
after(async () => server?.stop());

const JOBS = "/apis/batch/v1/namespaces/default/jobs";
type Condition = { type: string; status: string; reason?: string; message?: string };
type JobStatus = { startTime?: string; completionTime?: string; succeeded?: number; failed?: number; active?: number; conditions?: Condition[] };
const job = (name: string, script: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name, namespace: "default" },
  spec: { ...spec, template: { spec: { restartPolicy: "Never", containers: [{ name: "check", image: "node", command: [process.execPath, "-e", script] }] } } },
});
const statusOf = async (name: string) => (await call(server, "GET", `${JOBS}/${name}`)).body["status"] as JobStatus | undefined;
const finished = (name: string, timeoutMs = 5000) =>
  eventually(async () => {
    const s = await statusOf(name);
    return s?.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True") ? s : undefined;
  }, timeoutMs, `Job ${name} finished`);

test("a Job is served with kube-apiserver's defaults, and a pod template that restarts Always is refused", async () => {
  const created = await call(server, "POST", JOBS, job("defaults", "process.exit(0)"));
  assert.equal(created.status, 201);
  const spec = created.body["spec"] as Record<string, unknown>;
  assert.deepEqual(
    { parallelism: spec["parallelism"], completions: spec["completions"], backoffLimit: spec["backoffLimit"], completionMode: spec["completionMode"], suspend: spec["suspend"], podReplacementPolicy: spec["podReplacementPolicy"] },
    { parallelism: 1, completions: 1, backoffLimit: 6, completionMode: "NonIndexed", suspend: false, podReplacementPolicy: "TerminatingOrFailed" },
  );
  const always = job("always", "process.exit(0)");
  always.spec.template.spec.restartPolicy = "Always";
  const refused = await call(server, "POST", JOBS, always);
  assert.equal(refused.status, 422);
  assert.match(String(refused.body["message"]), /spec\.template\.spec\.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/);
});

test("a process that exits 0 completes the Job: succeeded 1, startTime and completionTime, Complete True", async () => {
  await call(server, "POST", JOBS, job("passes", "process.exit(0)"));
  const s = await finished("passes");
  assert.equal(s.succeeded, 1);
  assert.equal(s.failed, undefined);
  assert.equal(s.active, 0);
  assert.ok(s.startTime && s.completionTime && s.completionTime >= s.startTime);
  assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason]), [["SuccessCriteriaMet", "True", "CompletionsReached"], ["Complete", "True", "CompletionsReached"]]);
});

test("a process that exits 1 is retried backoffLimit times, then the Job is Failed (BackoffLimitExceeded), never Complete", async () => {
  await call(server, "POST", JOBS, job("fails", "console.error('smoke check failed'); process.exit(1)", { backoffLimit: 2 }));
  const s = await finished("fails");
  assert.equal(s.failed, 3, "the first pod and 2 retries");
  assert.equal(s.succeeded, undefined);
  assert.equal(s.completionTime, undefined, "only a completed Job has a completionTime");
  const failed = s.conditions?.find((c) => c.type === "Failed");
  assert.equal(failed?.status, "True");
  assert.equal(failed?.reason, "BackoffLimitExceeded");
  assert.match(failed?.message ?? "", /^Job has reached the specified backoff limit \(last pod: exit code 1: smoke check failed\)$/);
  assert.ok(!s.conditions?.some((c) => c.type === "Complete"));
});

test("a failure followed by a success completes the Job within its backoffLimit", async () => {
  // The marker file makes the second attempt pass: the retry is a new process, as a new pod would be.
  const marker = join(mkdtempSync(join(tmpdir(), "sluice-job-")), "tried");
  await call(server, "POST", JOBS, job("flaky", `const fs = require("node:fs"); if (fs.existsSync(${JSON.stringify(marker)})) process.exit(0); fs.writeFileSync(${JSON.stringify(marker)}, ""); process.exit(1)`, { backoffLimit: 1 }));
  const s = await finished("flaky");
  assert.deepEqual({ failed: s.failed, succeeded: s.succeeded, last: s.conditions?.at(-1)?.type }, { failed: 1, succeeded: 1, last: "Complete" });
});

test("activeDeadlineSeconds kills a pod that runs too long and fails the Job (DeadlineExceeded)", async () => {
  await call(server, "POST", JOBS, job("slow", "setTimeout(() => {}, 60000)", { activeDeadlineSeconds: 1 }));
  const s = await finished("slow", 5000);
  const failed = s.conditions?.find((c) => c.type === "Failed");
  assert.deepEqual([failed?.reason, failed?.message, s.failed], ["DeadlineExceeded", "Job was active longer than specified deadline", 1]);
});

test("deleting a running Job kills its process", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-job-"));
  const marker = join(dir, "survived");
  // Writes the marker only if it is still alive after 1.5 s.
  await call(server, "POST", JOBS, job("deleted", `setTimeout(() => require("node:fs").writeFileSync(${JSON.stringify(marker)}, ""), 1500)`));
  await eventually(async () => ((await statusOf("deleted"))?.active === 1 ? true : undefined), 3000, "the pod running");
  assert.equal((await call(server, "DELETE", `${JOBS}/deleted`, { propagationPolicy: "Background" })).status, 200);
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(existsSync(marker), false, "the process was killed with its Job");
});

test("kubeJobs: creating a Job that exists (409 AlreadyExists) gives the existing one back; reading a deleted one gives nothing", async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  const jobs = kubeJobs(new ClientNodeKube(kc));
  const manifest = { ...job("adopted", "process.exit(0)"), metadata: { name: "adopted", namespace: "default", labels: { first: "yes" } } };
  const created = await jobs.create(manifest);
  assert.deepEqual(created.ok && [created.value.existed, created.value.job.metadata.uid !== undefined], [false, true]);
  const again = await jobs.create({ ...manifest, metadata: { ...manifest.metadata, labels: { first: "no" } } });
  assert.ok(again.ok);
  assert.deepEqual([again.value.existed, again.value.job.metadata.uid, again.value.job.metadata.labels?.["first"]], [true, created.ok ? created.value.job.metadata.uid : "", "yes"]);
  assert.deepEqual(await jobs.delete("default", "adopted"), { ok: true, value: undefined });
  assert.deepEqual(await jobs.get("default", "adopted"), { ok: true, value: undefined });
  assert.deepEqual(await jobs.delete("default", "adopted"), { ok: true, value: undefined }, "already gone is fine");
});
