/** A failed analysis pass is retried with exponential backoff (not every 2 s), each retry logged; it recovers. */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { startAnalysisRunner, type AnalysisRunner } from "../../src/analysis/runner.ts";
import { renderPromQL } from "../../src/providers/promql-args.ts";
import type { MetricProvider, ProviderOutcome, QueryResult } from "../../src/providers/types.ts";
import { startEnv, type Env } from "../helpers/controller-env.ts";

const answer = async (): Promise<ProviderOutcome<QueryResult>> => ({ ok: true, value: { resultType: "vector", series: [{ labels: {}, points: [[Date.now() / 1000, 0.001]] }] }, warnings: [] });
const provider: MetricProvider = { type: "scripted", render: (template, args, extra) => renderPromQL(template, args, extra), instant: answer, range: answer };

let env: Env;
let runner: AnalysisRunner | undefined;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await runner?.stop();
  await env?.stop();
});

type Line = { retry?: string; attempt?: number; delayMs?: number; namespace?: string; analysisRun?: string; rollout?: string };

test("a failing analysis pass backs off exponentially to a cap, logs each retry, and recovers", { timeout: 30_000 }, async () => {
  const lines: Line[] = [];
  const log = pino({ level: "debug" }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Line), done()) }));
  runner = await startAnalysisRunner({ kc: env.kc, kube: env.kube, namespace: "default", log, provider, passRetry: { minDelayMs: 50, maxDelayMs: 400 } });
  // Every status write of an AnalysisRun fails: each pass measures, then cannot store the result.
  env.server.faults.setRules([{ fault: "error500", fraction: 1, verbs: ["update"], resources: ["analysisruns.sluice.dev"] }]);
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisRun",
    metadata: { name: "shop-abc-1", namespace: "default", labels: { "sluice.dev/rollout": "shop" } },
    spec: { metrics: [{ name: "errors", interval: "1s", count: 1, successCondition: { max: 0.01 }, provider: { prometheus: { query: "vector(0)" } } }] },
  });
  await new Promise((r) => setTimeout(r, 2_500));
  const retries = lines.filter((l) => l.retry === "analysis pass" && l.analysisRun === "shop-abc-1");
  const delays = retries.map((l) => l.delayMs ?? -1);
  assert.ok(retries.length >= 4, `${retries.length} retries in 2.5 s (a fixed 2 s retry makes 1)`);
  assert.ok(retries.length <= 15, `${retries.length} retries in 2.5 s: not backing off`);
  assert.deepEqual(retries.map((l) => l.attempt), retries.map((_, i) => i + 1));
  assert.ok(delays.every((d) => d >= 50 && d <= 400), `delays outside 50..400 ms: ${delays.join(", ")}`);
  for (let i = 1; i < 3; i++) assert.ok((delays[i] ?? 0) >= (delays[i - 1] ?? 0), `the delay did not grow: ${delays.join(", ")}`);
  assert.ok(retries.every((l) => l.namespace === "default" && l.rollout === "default/shop"), "each retry names the run and its rollout");

  env.server.faults.clear();
  const done = await env.waitFor("the run completes once writes work again", async () => {
    const run = await env.kube.get({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name: "shop-abc-1" });
    const phase = (run?.status as { phase?: string } | undefined)?.phase;
    return phase === "Successful" ? phase : undefined;
  }, 10_000);
  assert.equal(done, "Successful");
});
