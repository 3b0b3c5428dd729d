/**
 * The release report end to end: the sandbox API server, a real controller running the AnalysisRuns against a
 * stand-in Prometheus (counters that grow by a known amount each look), and a local HTTP receiver. A canary
 * whose step analysis runs the request judge completes; the `completed` webhook carries the report, with the
 * numbers the analysis counted, and `sluice get rollout` shows the same report.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { canaryRollout, startEnv, type Env } from "../helpers/controller-env.ts";
import { runCliAsync } from "../helpers/run-cli.ts";
import { closeLocal } from "../helpers/local-http.ts";

let env: Env;
let prometheus: Server;
let receiver: Server;
const received: Record<string, unknown>[] = [];
/** The stable version's pod-template hash: its queries answer with stable's counters, any other hash with the canary's. */
let stableHash = "";
/** Calls per query text (each names one side's hash): the counters stand at calls × the per-look amount. */
const calls = new Map<string, number>();

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    req.on("end", () => resolve(text));
  });

// Per look: the canary serves 100 requests (1 failed), stable 300 (2 failed); both with the same latency shape.
const PER_LOOK = { canary: { requests: 100, errors: 1, buckets: [["0.1", 60], ["0.25", 95], ["0.5", 99], ["+Inf", 100]] }, stable: { requests: 300, errors: 2, buckets: [["0.1", 180], ["0.25", 285], ["0.5", 297], ["+Inf", 300]] } } as const;

function answer(query: string): unknown {
  const n = (calls.get(query) ?? 0) + 1;
  calls.set(query, n);
  const side = stableHash !== "" && query.includes(`"${stableHash}"`) ? PER_LOOK.stable : PER_LOOK.canary;
  const now = Date.now() / 1000;
  const sample = (metric: Record<string, string>, v: number) => ({ metric, value: [now, String(v)] });
  const result = query.includes("_bucket")
    ? side.buckets.map(([le, c]) => sample({ le }, c * n))
    : [sample({}, (query.includes("5..") ? side.errors : side.requests) * n)];
  return { status: "success", data: { resultType: "vector", result } };
}

before(async () => {
  prometheus = createServer((req, res) => {
    void readBody(req).then((text) => {
      const query = new URLSearchParams(text).get("query") ?? "";
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer(query)));
    });
  });
  receiver = createServer((req, res) => {
    void readBody(req).then((text) => {
      received.push(JSON.parse(text) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  for (const s of [prometheus, receiver]) await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s: Server) => (s.address() as AddressInfo).port;
  env = await startEnv();
  await env.kube.create({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "sluice-notifications", namespace: "default" },
    data: { receivers: JSON.stringify([{ name: "team", webhook: { url: `http://127.0.0.1:${port(receiver)}/hook` } }]) },
  } as never);
  await env.startController({ analysis: { prometheusAddress: `http://127.0.0.1:${port(prometheus)}` }, notifications: { policy: { timeoutMs: 2_000, minDelayMs: 50, maxDelayMs: 200 } } });
});
after(async () => {
  await env?.stop();
  for (const s of [prometheus, receiver]) {
    await closeLocal(s);
  }
});

const judged = (name: string, requests: Record<string, unknown>) => ({ name, interval: "1s", count: 4, compare: { requests: { ...requests, minRequests: 50 } }, provider: { prometheus: {} } });

test("a canary whose request judge passes completes, and `completed` carries the report with the analysis' numbers; `sluice get rollout` shows the same", { timeout: 90_000 }, async () => {
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisTemplate",
    metadata: { name: "requests-vs-stable", namespace: "default" },
    spec: {
      args: [
        { name: "canary-pod-hash", valueFrom: { podTemplateHashValue: "Latest" } },
        { name: "stable-pod-hash", valueFrom: { podTemplateHashValue: "Stable" } },
      ],
      metrics: [
        judged("errors-vs-stable", { errors: 'sum(http_requests_total{rollouts_pod_template_hash="{{podTemplateHash}}", code=~"5.."})', requests: 'sum(http_requests_total{rollouts_pod_template_hash="{{podTemplateHash}}"})' }),
        judged("latency-vs-stable", { latency: 'sum by (le) (http_request_duration_seconds_bucket{rollouts_pod_template_hash="{{podTemplateHash}}"})' }),
      ],
    },
  });
  const rollout = canaryRollout("shop", [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "requests-vs-stable" }] } }]);
  rollout.metadata.annotations = { "notifications.sluice.dev/subscribe": "team", "sluice.dev/author": "Ana Lima" };
  await env.kube.create(rollout);
  const first = await env.waitForPhase("shop", "Healthy");
  stableHash = first.stableRS ?? "";
  await env.setImage("shop", "acme/shop:3f2a9c1");
  const done = await env.waitForPhase("shop", "Healthy", 60_000, (s) => s.stableRS !== first.stableRS);
  const completed = await env.waitFor("the completed notification", async () => received.find((b) => b.event === "completed" && b.revision === done.currentPodHash));

  // The first message: the change that now serves, its commit from the image tag, its author from the annotation.
  const started = received.find((b) => b.event === "rollout-started");
  assert.match(String(started?.message), /^acme\/shop:3f2a9c1 \(commit 3f2a9c1 by Ana Lima\) now serves real traffic: about 50% of requests go to it/);
  assert.equal(completed.commit, "3f2a9c1");
  assert.equal(completed.author, "Ana Lima");

  // Four looks, the first a starting point: three looks' worth, exactly as the stand-in's counters grew.
  const report = completed.report as { canary: Record<string, unknown>; stable: Record<string, unknown>; sources: unknown; final: boolean; latencyUnit: string; summary: string };
  const run = `shop-${done.currentPodHash}-1`;
  assert.deepEqual(report.sources, [
    { run, metric: "errors-vs-stable", measures: "errors", looks: 3 },
    { run, metric: "latency-vs-stable", measures: "latency", looks: 3 },
  ]);
  assert.deepEqual(report.canary.requests, { value: 300 });
  assert.deepEqual(report.canary.errors, { value: 3 });
  assert.deepEqual(report.canary.errorRate, { value: 0.01 });
  assert.deepEqual(report.stable.requests, { value: 900 });
  assert.deepEqual(report.stable.errors, { value: 6 });
  // Canary p50: rank 150 of 300 in the first bucket (180 below 0.1 s): 0.1 × 150/180. p99.9 lies beyond 0.5 s.
  const latency = report.canary.latency as Record<string, { value: number; aboveHighestBucket?: true }>;
  assert.ok(Math.abs((latency.p50?.value ?? 0) - 0.1 * (150 / 180)) < 1e-9, JSON.stringify(latency));
  assert.deepEqual(latency.p99, { value: 0.5 });
  assert.deepEqual(latency["p99.9"], { value: 0.5, aboveHighestBucket: true });
  assert.equal(report.latencyUnit, "seconds");
  assert.equal(report.final, true);
  assert.equal(report.summary, "the new version served 300 requests; error rate 1% (stable 0.67%); p99 500 ms (stable 500 ms)");

  // The CLI builds the same report from the same stored runs.
  const shown = await runCliAsync(["get", "rollout", "shop", "--kubeconfig", env.server.kubeconfigPath, "-n", "default"]);
  assert.equal(shown.code, 0, shown.stderr);
  const section = shown.stdout.slice(shown.stdout.indexOf("Release report"));
  assert.match(section, new RegExp(`^Release report, revision ${done.currentPodHash}, from ${run} \\(errors-vs-stable, 3 looks; latency-vs-stable, 3\\s+looks\\)\\n`));
  assert.match(section, /\n  requests\s+300\s+900\n  error rate\s+1% \(3 failed\)\s+0\.67% \(6 failed\)\n  p50\s+83\.3 ms\s+83\.3 ms\n  p99\s+500 ms\s+500 ms\n  p99\.9\s+> 500 ms\s+> 500 ms\n$/);
});
