/**
 * startAnalysisRunner against the sandbox API server with a scripted provider (no Prometheus): restart keeps
 * the cadence, terminate stops, an invalid run is an Error, secret arguments are read at measurement time,
 * compare metrics query each side with its pod-template hash.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import type { Measurement } from "../../src/api/analysis-run.ts";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { startAnalysisRunner, type AnalysisRunner, type AnalysisRunnerOptions } from "../../src/analysis/runner.ts";
import { renderPromQL } from "../../src/providers/promql-args.ts";
import type { MetricProvider, ProviderOutcome, QueryResult, ResolvedArgs } from "../../src/providers/types.ts";
import { startEnv, type Env } from "../helpers/controller-env.ts";

/** Answers every instant query with `value`, and range queries with a series per side; records queries. */
class ScriptedProvider implements MetricProvider {
  readonly type = "scripted";
  readonly queries: string[] = [];
  value = 0.001;
  /** While set, range queries wait for `release` (a pass held in the middle of its measurements). */
  held: { started: () => void; release: Promise<void> } | undefined;
  render(template: string, args: ResolvedArgs, extra?: ReadonlyMap<string, string>) {
    return renderPromQL(template, args, extra);
  }
  async instant(_metric: unknown, query: string): Promise<ProviderOutcome<QueryResult>> {
    this.queries.push(query);
    return { ok: true, value: { resultType: "vector", series: [{ labels: {}, points: [[Date.now() / 1000, this.value]] }] }, warnings: [] };
  }
  async range(_metric: unknown, query: string, from: Date, to: Date, step: number): Promise<ProviderOutcome<QueryResult>> {
    this.queries.push(query);
    if (this.held) {
      this.held.started();
      await this.held.release;
    }
    const slow = query.includes('"canary-hash"');
    const points: Array<[number, number]> = [];
    for (let t = Math.ceil(from.getTime() / 1000); t <= to.getTime() / 1000; t += step) points.push([t, slow ? 0.5 + (t % 7) / 100 : 0.1 + (t % 5) / 100]);
    return { ok: true, value: { resultType: "matrix", series: [{ labels: {}, points }] }, warnings: [] };
  }
}

describe("startAnalysisRunner (sandbox API server, scripted provider)", () => {
  let env: Env;
  const provider = new ScriptedProvider();
  const runners: AnalysisRunner[] = [];
  const start = async (extra: Partial<AnalysisRunnerOptions> = {}) => {
    const r = await startAnalysisRunner({ kc: env.kc, kube: env.kube, namespace: "default", log: pino({ level: process.env.SLUICE_TEST_LOG ?? "silent" }), provider, ...extra });
    runners.push(r);
    return r;
  };

  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    for (const r of runners) await r.stop();
    await env.stop();
  });

  const threshold = (more: Record<string, unknown> = {}) => ({
    name: "errors",
    interval: "1s",
    successCondition: { max: 0.01 },
    provider: { prometheus: { query: 'sum(x{hash="{{args.pod-hash}}"})' } },
    ...more,
  });
  const create = (name: string, spec: Record<string, unknown>) =>
    env.kube.create({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", metadata: { name, namespace: "default" }, spec });
  const get = async (name: string) => env.kube.get({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name });
  type Status = { phase?: string; message?: string; metricResults?: Array<{ count: number; measurements?: Measurement[] }> };
  const status = async (name: string) => ((await get(name))?.status ?? {}) as Status;
  const until = (what: string, name: string, check: (s: Status) => boolean, timeoutMs = 15_000) =>
    env.waitFor(what, async () => {
      const s = await status(name);
      return check(s) ? s : undefined;
    }, timeoutMs);

  it("a restarted runner continues the cadence from the stored measurements", async () => {
    const first = await start();
    await create("restart", { metrics: [threshold({ interval: "2s", count: 3 })], args: [{ name: "pod-hash", value: "abc" }] });
    await until("first measurement", "restart", (s) => (s.metricResults?.[0]?.count ?? 0) >= 1);
    await first.stop();
    runners.splice(runners.indexOf(first), 1);
    await new Promise((r) => setTimeout(r, 300));
    const second = await start();
    const done = await until("completion", "restart", (s) => s.phase === "Successful");
    const times = (done.metricResults?.[0]?.measurements ?? []).map((m) => Date.parse(m.startedAt ?? ""));
    assert.equal(times.length, 3);
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
      assert.ok(gap >= 1900, `measurements ${i - 1} and ${i} only ${gap} ms apart: the restart measured early`);
    }
    assert.ok(provider.queries.includes('sum(x{hash="abc"})'));
    await second.stop();
    runners.splice(runners.indexOf(second), 1);
  });

  it("conflicts on status writes and dropped watches lose or duplicate no measurement (nor a reported result)", async () => {
    // What the controller's metrics hear (analysis-metrics.ts): each written measurement once, the result once.
    const finished: string[] = [];
    let measured = 0;
    const r = await start({
      onFinished: (run, phase) => void (run.metadata.name === "faults" && finished.push(phase)),
      onMeasured: (run, taken) => void (run.metadata.name === "faults" && (measured += taken.length)),
    });
    // Every other status write conflicts (deterministic, so the test cannot pass by luck).
    let flip = 0;
    env.server.faults.setRandom(() => (flip++ % 2 === 0 ? 0.1 : 0.9));
    env.server.faults.setRules([{ fault: "conflict409", fraction: 0.5, verbs: ["update"], resources: ["analysisruns.sluice.dev"] }]);
    const drops = setInterval(() => env.server.faults.dropWatches(), 700);
    try {
      await create("faults", { metrics: [threshold({ interval: "1s", count: 4 })], args: [{ name: "pod-hash", value: "abc" }] });
      const done = await until("completion under faults", "faults", (s) => s.phase === "Successful", 20_000);
      const result = done.metricResults?.[0];
      assert.equal(result?.count, 4);
      const times = (result?.measurements ?? []).map((m) => Date.parse(m.startedAt ?? ""));
      for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) - (times[i - 1] ?? 0) >= 900, `measurements ${i - 1}/${i} too close`);
      assert.ok(env.server.faults.injected.conflict409 > 0, "the fault rule never fired");
      assert.deepEqual(finished, ["Successful"]);
      assert.equal(measured, 4);
    } finally {
      clearInterval(drops);
      env.server.faults.clear();
      env.server.faults.setRandom(Math.random);
      await r.stop();
      runners.splice(runners.indexOf(r), 1);
    }
  });

  it("terminate stops measuring and settles the run", async () => {
    await start();
    await create("terminate", { metrics: [threshold()], args: [{ name: "pod-hash", value: "abc" }] });
    await until("two measurements", "terminate", (s) => (s.metricResults?.[0]?.count ?? 0) >= 2);
    await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name: "terminate" }, { spec: { terminate: true } });
    const done = await until("terminated", "terminate", (s) => s.phase !== undefined && s.phase !== "Running");
    assert.equal(done.phase, "Successful");
    assert.match(done.message ?? "", /^terminated/);
    const count = done.metricResults?.[0]?.count;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await status("terminate")).metricResults?.[0]?.count, count);
  });

  it("terminate gives a compare metric without count its final look, with the fixed-horizon test, whose verdict is the metric's", async () => {
    await create("final-look", {
      metrics: [{ name: "latency-vs-stable", interval: "1s", compare: { query: 'q{h="{{podTemplateHash}}"}', minSamples: 10, window: "30s", step: "1s" }, provider: { prometheus: {} } }],
      args: [{ name: "canary-pod-hash", value: "calm-a" }, { name: "stable-pod-hash", value: "calm-b" }],
    });
    const looking = await until("two looks", "final-look", (s) => (s.metricResults?.[0]?.count ?? 0) >= 2);
    assert.deepEqual([...new Set(looking.metricResults?.[0]?.measurements?.map((m) => m.phase))], ["Running"], "looks before the last are no verdict");
    await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name: "final-look" }, { spec: { terminate: true } });
    const done = await until("terminated", "final-look", (s) => s.phase !== undefined && s.phase !== "Running");
    assert.equal(done.phase, "Successful", done.message);
    assert.match(done.message ?? "", /^terminated/);
    const last = done.metricResults?.[0]?.measurements?.at(-1);
    assert.equal(last?.phase, "Successful", last?.message);
    assert.equal(last?.metadata?.decidedBy, "fixed-horizon");
  });

  it("a run terminated while a pass measures: after its write conflicts, the pass takes the final look", async () => {
    // One runner only, so no other pass can take the final look in its place.
    for (const r of runners.splice(0)) await r.stop();
    await start();
    await create("terminate-race", {
      metrics: [{ name: "latency-vs-stable", interval: "1s", compare: { query: 'q{h="{{podTemplateHash}}"}', minSamples: 10, window: "30s", step: "1s" }, provider: { prometheus: {} } }],
      args: [{ name: "canary-pod-hash", value: "calm-a" }, { name: "stable-pod-hash", value: "calm-b" }],
    });
    await until("a look", "terminate-race", (s) => (s.metricResults?.[0]?.count ?? 0) >= 1);
    let release = () => {};
    const started = new Promise<void>((resolve) => {
      provider.held = { started: resolve, release: new Promise<void>((r) => (release = r)) };
    });
    await started;
    await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name: "terminate-race" }, { spec: { terminate: true } });
    provider.held = undefined;
    release();
    const done = await until("terminated", "terminate-race", (s) => s.phase !== undefined && s.phase !== "Running");
    assert.equal(done.phase, "Successful", done.message);
    const last = done.metricResults?.[0]?.measurements?.at(-1);
    assert.equal(last?.metadata?.decidedBy, "fixed-horizon", last?.message);
  });

  it("without a namespace it executes runs in every namespace", async () => {
    const r = await startAnalysisRunner({ kc: env.kc, kube: env.kube, log: pino({ level: "silent" }), provider });
    runners.push(r);
    await env.kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-b" } });
    await env.kube.create({
      apiVersion: API_GROUP_VERSION,
      kind: "AnalysisRun",
      metadata: { name: "elsewhere", namespace: "team-b" },
      spec: { metrics: [threshold({ interval: "1s", count: 1 })], args: [{ name: "pod-hash", value: "abc" }] },
    });
    const done = await env.waitFor("team-b run", async () => {
      const run = await env.kube.get({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "team-b", name: "elsewhere" });
      const phase = (run?.status as { phase?: string } | undefined)?.phase;
      return phase === "Successful" || phase === "Failed" ? phase : undefined;
    });
    assert.equal(done, "Successful");
  });

  it("an AnalysisRun the schema rejects becomes Error with the reason", async () => {
    await create("invalid", { metrics: [{ name: "no-condition", provider: { prometheus: { query: "up" } } }] });
    const done = await until("error", "invalid", (s) => s.phase === "Error");
    assert.match(done.message ?? "", /^invalid AnalysisRun: spec\.metrics\.0\.successCondition: is required/);
  });

  it("reads secret arguments at measurement time; a failing value is Failed", async () => {
    await env.kube.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "tenant", namespace: "default" }, data: { id: Buffer.from("team-\"a\"").toString("base64") } });
    provider.value = 0.5;
    await create("secret-arg", {
      metrics: [threshold({ interval: "1s", count: 1, provider: { prometheus: { query: 'sum(x{tenant="{{args.tenant}}"})' } } })],
      args: [{ name: "tenant", valueFrom: { secretKeyRef: { name: "tenant", key: "id" } } }],
    });
    const done = await until("done", "secret-arg", (s) => s.phase === "Failed" || s.phase === "Successful");
    provider.value = 0.001;
    assert.equal(done.phase, "Failed");
    assert.ok(provider.queries.includes('sum(x{tenant="team-\\"a\\""})'), provider.queries.join("\n"));
    const run = await get("secret-arg");
    assert.ok(!JSON.stringify(run).includes("team-"), "the secret value must not be copied into the AnalysisRun");
  });

  it("a compare metric queries each side with its hash and fails a slower canary", async () => {
    await create("compare", {
      metrics: [
        {
          name: "latency-vs-stable",
          interval: "1s",
          count: 2,
          compare: { query: 'q{h="{{podTemplateHash}}"}', minSamples: 10, window: "30s", step: "1s" },
          provider: { prometheus: {} },
        },
      ],
      args: [{ name: "canary-pod-hash", value: "canary-hash" }, { name: "stable-pod-hash", value: "stable-hash" }],
    });
    const done = await until("judged", "compare", (s) => s.phase !== undefined && s.phase !== "Running" && s.phase !== "Pending");
    assert.equal(done.phase, "Failed", done.message);
    assert.ok(provider.queries.includes('q{h="canary-hash"}'));
    assert.ok(provider.queries.includes('q{h="stable-hash"}'));
    const last = done.metricResults?.[0]?.measurements?.at(-1);
    assert.equal(last?.metadata?.classification, "High");
    assert.ok(last?.metadata?.sequentialState);
  });
});
