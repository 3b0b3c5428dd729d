// Jobs (batch/v1), as kube-controller-manager's job controller runs them, reduced to one pod at a time
// (parallelism and completions 1, what a job metric uses): the pod is the first container's command run as a
// local process. Exit 0 completes the Job; a failure is retried after an exponential backoff (10 s, 20 s, ...
// capped at 6 min, as the real controller does) until `backoffLimit` retries are spent, then the Job is Failed
// (BackoffLimitExceeded). `activeDeadlineSeconds` kills the pod and fails the Job (DeadlineExceeded). Deleting
// the Job kills its process. The status carries what the real one does: startTime, active, succeeded, failed,
// completionTime, and the SuccessCriteriaMet/Complete or FailureTarget/Failed conditions (Kubernetes 1.31+).
// No Pod objects are made: nothing in the sandbox reads a Job's pods.
import { isObject, objectField, type JsonObject } from "../../util/json.ts";
import { startJobProcess, type JobContainer, type JobProcess } from "../workloads/job-process.ts";
import type { ResourceService } from "./resources.ts";
import { metadataOf, nameOf, uidOf } from "./store.ts";
import { WorkQueue } from "./work-queue.ts";

const JOBS = "jobs.batch";
const MAX_BACKOFF_MS = 6 * 60_000;

export interface JobControllerOptions {
  /** First retry delay (the real controller's 10 s); the sandbox's tests shorten it. */
  readonly backoffBaseMs?: number;
  readonly now?: () => number;
  readonly onError?: (key: string, error: unknown) => void;
}

type Running = { process: JobProcess | undefined; retry: NodeJS.Timeout | undefined; deadline: NodeJS.Timeout | undefined; done: boolean };

const numberAt = (obj: JsonObject | undefined, key: string, fallback: number): number => (typeof obj?.[key] === "number" ? obj[key] : fallback);

function finished(job: JsonObject): boolean {
  const conditions = objectField(job, "status")?.["conditions"];
  return Array.isArray(conditions) && conditions.some((c) => isObject(c) && (c["type"] === "Complete" || c["type"] === "Failed") && c["status"] === "True");
}

function firstContainer(job: JsonObject): JobContainer {
  const containers = objectField(objectField(objectField(job, "spec"), "template"), "spec")?.["containers"];
  const first = Array.isArray(containers) ? containers[0] : undefined;
  if (!isObject(first)) return {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined);
  const env = Array.isArray(first["env"]) ? first["env"].filter(isObject).map((e) => ({ name: String(e["name"]), ...(typeof e["value"] === "string" ? { value: e["value"] } : {}) })) : undefined;
  return { ...(strings(first["command"]) ? { command: strings(first["command"]) } : {}), ...(strings(first["args"]) ? { args: strings(first["args"]) } : {}), ...(env ? { env } : {}) };
}

export class JobController {
  private readonly service: ResourceService;
  private readonly queue: WorkQueue;
  private readonly backoffBaseMs: number;
  private readonly now: () => number;
  private readonly running = new Map<string, Running>();
  private unsubscribe: (() => void) | undefined;

  constructor(service: ResourceService, options: JobControllerOptions = {}) {
    this.service = service;
    this.queue = new WorkQueue((key) => this.sync(key), options.onError);
    this.backoffBaseMs = options.backoffBaseMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.unsubscribe = this.service.store.onEvent((storageKey, event) => {
      if (storageKey !== JOBS) return;
      if (event.type === "DELETED") this.forget(uidOf(event.object));
      else if (event.type === "ADDED") this.queue.add(`${event.namespace}/${nameOf(event.object)}`);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
    for (const uid of [...this.running.keys()]) this.forget(uid);
  }

  /** The Job is gone (or the sandbox stops): its pod dies with it. */
  private forget(uid: string): void {
    const run = this.running.get(uid);
    if (!run) return;
    run.done = true;
    clearTimeout(run.retry);
    clearTimeout(run.deadline);
    run.process?.kill();
    this.running.delete(uid);
  }

  private jobType() {
    return this.service.registry.find("batch", "v1", "jobs");
  }

  private fresh(namespace: string, name: string, uid: string): JsonObject | undefined {
    const job = this.service.store.get(JOBS, namespace, name);
    return job && uidOf(job) === uid && metadataOf(job)["deletionTimestamp"] === undefined ? job : undefined;
  }

  private writeStatus(namespace: string, name: string, uid: string, change: (status: JsonObject) => JsonObject): void {
    const type = this.jobType();
    const job = this.fresh(namespace, name, uid);
    if (!type || !job) return;
    this.service.writeAsController(type, { ...job, status: change({ ...(objectField(job, "status") ?? {}) }) }, "status");
  }

  private time(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  private sync(key: string): void {
    const [namespace = "", name = ""] = key.split("/");
    const job = this.service.store.get(JOBS, namespace, name);
    if (!job || finished(job) || metadataOf(job)["deletionTimestamp"] !== undefined) return;
    const uid = uidOf(job);
    if (this.running.has(uid) || objectField(job, "spec")?.["suspend"] === true) return;
    const run: Running = { process: undefined, retry: undefined, deadline: undefined, done: false };
    this.running.set(uid, run);
    this.writeStatus(namespace, name, uid, (s) => ({ ...s, startTime: this.time(), active: 0, ready: 0, terminating: 0, uncountedTerminatedPods: {} }));
    const deadline = objectField(job, "spec")?.["activeDeadlineSeconds"];
    if (typeof deadline === "number") {
      run.deadline = setTimeout(() => this.fail(namespace, name, uid, "DeadlineExceeded", "Job was active longer than specified deadline"), deadline * 1000);
    }
    this.attempt(namespace, name, uid, firstContainer(job), numberAt(objectField(job, "spec"), "backoffLimit", 6), 0);
  }

  private attempt(namespace: string, name: string, uid: string, container: JobContainer, backoffLimit: number, failed: number): void {
    const run = this.running.get(uid);
    if (!run || run.done) return;
    const process = startJobProcess(container);
    run.process = process;
    this.writeStatus(namespace, name, uid, (s) => ({ ...s, active: 1 }));
    void process.exited.then(({ code, message }) => {
      if (run.done) return; // deleted, or failed by its deadline: that already settled the Job
      run.process = undefined;
      if (code === 0) return this.complete(namespace, name, uid);
      const failures = failed + 1;
      this.writeStatus(namespace, name, uid, (s) => ({ ...s, active: 0, failed: failures }));
      if (failures > backoffLimit) return this.fail(namespace, name, uid, "BackoffLimitExceeded", `Job has reached the specified backoff limit (last pod: ${message})`);
      const delay = Math.min(this.backoffBaseMs * 2 ** (failures - 1), MAX_BACKOFF_MS);
      run.retry = setTimeout(() => this.attempt(namespace, name, uid, container, backoffLimit, failures), delay);
    });
  }

  private settle(uid: string): Running | undefined {
    const run = this.running.get(uid);
    if (!run || run.done) return undefined;
    run.done = true;
    clearTimeout(run.retry);
    clearTimeout(run.deadline);
    return run;
  }

  private complete(namespace: string, name: string, uid: string): void {
    if (!this.settle(uid)) return;
    const at = this.time();
    const condition = (type: string) => ({ type, status: "True", lastProbeTime: at, lastTransitionTime: at, reason: "CompletionsReached", message: "Reached expected number of succeeded pods" });
    this.writeStatus(namespace, name, uid, (s) => ({ ...s, active: 0, ready: 0, succeeded: 1, completionTime: at, conditions: [condition("SuccessCriteriaMet"), condition("Complete")] }));
  }

  private fail(namespace: string, name: string, uid: string, reason: string, message: string): void {
    const run = this.settle(uid);
    if (!run) return;
    // A pod still running (the deadline passed) is killed and counted failed, as the real controller does.
    const killed = run.process !== undefined;
    run.process?.kill();
    const at = this.time();
    const condition = (type: string) => ({ type, status: "True", lastProbeTime: at, lastTransitionTime: at, reason, message });
    this.writeStatus(namespace, name, uid, (s) => ({ ...s, active: 0, ready: 0, failed: numberAt(s, "failed", 0) + (killed ? 1 : 0), conditions: [condition("FailureTarget"), condition("Failed")] }));
  }
}
