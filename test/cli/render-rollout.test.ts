/** Snapshot tests of the `get rollout` view (pure rendering: fixed state, clock, width). */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AnalysisRun } from "../../src/api/analysis-run.ts";
import { rolloutSchema, type Rollout, type RolloutInput } from "../../src/api/rollout.ts";
import { analysisRunSchema } from "../../src/api/analysis-run.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { renderRollout } from "../../src/cli/view/render-rollout.ts";
import { matchSnapshot } from "./snapshot.ts";

const NOW = new Date("2026-11-23T14:00:00Z");
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

function rollout(input: Omit<RolloutInput, "apiVersion" | "kind">): Rollout {
  return rolloutSchema.parse({ apiVersion: "sluice.dev/v1alpha1", kind: "Rollout", ...input });
}

function replicaSet(name: string, hash: string, revision: number, image: string, ready: number, desired: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: `${name}-${hash}`, namespace: "shop", labels: { "rollouts-pod-template-hash": hash, "sluice.dev/rollout": name }, annotations: { "sluice.dev/revision": String(revision) } },
    spec: { replicas: desired, template: { spec: { containers: [{ name: "app", image }] } } },
    status: { readyReplicas: ready },
  };
}

function analysisRun(name: string, role: string, status: AnalysisRun["status"], created = ago(60)): AnalysisRun {
  return analysisRunSchema.parse({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: { name, namespace: "shop", creationTimestamp: created, labels: { "sluice.dev/analysis-role": role } },
    spec: {
      metrics: [
        { name: "error-rate", interval: "30s", failureLimit: 2, successCondition: { max: 0.01 }, provider: { prometheus: { query: "sum(rate(errors[1m]))" } } },
        { name: "p99.9-latency", interval: "30s", successCondition: { max: 0.3 }, provider: { prometheus: { query: "histogram_quantile(0.999, x)" } } },
        { name: "throughput", successCondition: "result > 100", provider: { prometheus: { query: "sum(rate(requests[1m]))" } } },
      ],
    },
    status,
  });
}

const template = (image: string, app = "checkout") => ({ metadata: { labels: { app } }, spec: { containers: [{ name: "app", image }] } });
const canarySteps = [
  { setWeight: 10 },
  { pause: { duration: "2m" } },
  { setWeight: 25 },
  { analysis: { templates: [{ templateName: "error-rate" }] } },
  { setWeight: 50 },
  { pause: {} },
  { setWeight: 100 },
];

function canaryMidAnalysis(): Rollout {
  return rollout({
    metadata: { name: "checkout", namespace: "shop", generation: 4 },
    spec: {
      replicas: 8,
      selector: { matchLabels: { app: "checkout" } },
      template: template("registry.example.com/shop/checkout:2.4.0"),
      strategy: { canary: { stableService: "checkout", canaryService: "checkout-canary", trafficRouting: { istio: { virtualService: { name: "checkout" } } }, steps: canarySteps } },
    },
    status: {
      phase: "Progressing",
      message: "step 4/7 (analysis error-rate): running checkout-7c9fd8xq2b-4",
      observedGeneration: 4,
      currentStepIndex: 3,
      stepProgress: "4/7",
      stableRS: "5b8d6f4kzq",
      currentPodHash: "7c9fd8xq2b",
      readyReplicas: 10,
      updatedReplicas: 2,
      canary: { weights: { canary: 25, stable: 75 }, currentStepAnalysisRun: "checkout-7c9fd8xq2b-4" },
    },
  });
}

const sets = [replicaSet("checkout", "5b8d6f4kzq", 3, "registry.example.com/shop/checkout:2.3.1", 8, 8), replicaSet("checkout", "7c9fd8xq2b", 4, "registry.example.com/shop/checkout:2.4.0", 2, 2), replicaSet("checkout", "2x4hq9zmpl", 2, "registry.example.com/shop/checkout:2.3.0", 0, 0)];

const runningRun = analysisRun("checkout-7c9fd8xq2b-4", "step", {
  phase: "Running",
  startedAt: ago(90),
  metricResults: [
    { name: "error-rate", phase: "Running", count: 3, successful: 1, failed: 2, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 0, measurements: [{ phase: "Failed", value: "0.0213" }] },
    { name: "p99.9-latency", phase: "Running", count: 3, successful: 3, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 3, measurements: [{ phase: "Successful", value: "0.212" }] },
  ],
});

test("a canary mid-step with a running analysis", () => {
  matchSnapshot("canary-mid-analysis", renderRollout({ rollout: canaryMidAnalysis(), replicaSets: sets, analysisRuns: [runningRun], now: NOW, width: 120, colour: false }));
});

test("an aborted canary shows where it stopped and why", () => {
  const r = canaryMidAnalysis();
  r.status = {
    ...r.status,
    phase: "Aborted",
    abort: true,
    abortedAt: ago(20),
    message: "aborted: analysis checkout-7c9fd8xq2b-4 failed: metric p99.9-latency failed 2 of 3: 0.412 > 0.3",
    canary: { weights: { canary: 0, stable: 100 }, currentStepAnalysisRun: "checkout-7c9fd8xq2b-4" },
  };
  const failed = analysisRun("checkout-7c9fd8xq2b-4", "step", {
    phase: "Failed",
    message: "metric p99.9-latency failed 2 of 3: 0.412 > 0.3",
    metricResults: [
      { name: "error-rate", phase: "Successful", count: 3, successful: 3, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 3, measurements: [{ phase: "Successful", value: "0.0021" }] },
      { name: "p99.9-latency", phase: "Failed", count: 3, successful: 1, failed: 2, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 0, measurements: [{ phase: "Failed", value: "0.412" }] },
      { name: "throughput", phase: "Successful", count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 1, measurements: [{ phase: "Successful", value: "412.5" }] },
    ],
  });
  const older = analysisRun("checkout-2x4hq9zmpl-4", "step", { phase: "Successful" }, ago(86_400));
  matchSnapshot("canary-aborted", renderRollout({ rollout: r, replicaSets: sets, analysisRuns: [older, failed], now: NOW, width: 120, colour: false }));
});

test("a paused blue-green with its preview", () => {
  const r = rollout({
    metadata: { name: "billing", namespace: "shop" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "billing" } },
      template: template("acme/billing:5", "billing"),
      strategy: { blueGreen: { activeService: "billing", previewService: "billing-preview", autoPromotionEnabled: false } },
    },
    status: {
      phase: "Paused",
      message: "new version ready (preview billing-preview): waiting for promote",
      stableRS: "6d5f7b9c8x",
      currentPodHash: "9q8w7r6t5z",
      readyReplicas: 6,
      updatedReplicas: 3,
      pauseConditions: [{ reason: "BlueGreenPause", startTime: ago(300) }],
      controllerPause: true,
      blueGreen: { activeSelector: "app=billing,rollouts-pod-template-hash=6d5f7b9c8x", previewSelector: "app=billing,rollouts-pod-template-hash=9q8w7r6t5z" },
    },
  });
  const bgSets = [replicaSet("billing", "6d5f7b9c8x", 1, "acme/billing:4", 3, 3), replicaSet("billing", "9q8w7r6t5z", 2, "acme/billing:5", 3, 3)];
  matchSnapshot("blue-green-paused", renderRollout({ rollout: r, replicaSets: bgSets, analysisRuns: [], now: NOW, width: 120, colour: false }));
});

test("an 80-column terminal: a pause counting down, long images and messages cut to fit", () => {
  const r = canaryMidAnalysis();
  r.status = {
    ...r.status,
    phase: "Paused",
    currentStepIndex: 1,
    message: "paused at step 2/7: pause 2m, until 2026-11-23T14:01:12Z (the canary receives 10% of requests on checkout.shop.svc.cluster.local)",
    pauseConditions: [{ reason: "CanaryPauseStep", startTime: ago(48) }],
    controllerPause: true,
    canary: { weights: { canary: 10, stable: 90 } },
  };
  const longImage = replicaSet("checkout", "7c9fd8xq2b", 4, "registry.example.com/platform-team/shop/checkout-service:2.4.0-rc.1-build.5521", 1, 1);
  const text = renderRollout({ rollout: r, replicaSets: [sets[0]!, longImage], analysisRuns: [], now: NOW, width: 80, colour: false });
  for (const line of text.split("\n")) assert.ok([...line].length <= 80, `wider than 80: ${line}`);
  assert.match(text, /pause 2m \(1m12s left\)/);
  matchSnapshot("canary-80-columns", text);
});

test("under the metrics: why the latest measurement was inconclusive or an error, and its warnings", () => {
  const run = analysisRun("checkout-7c9fd8xq2b-4", "step", {
    phase: "Running",
    startedAt: ago(30),
    metricResults: [
      {
        name: "error-rate", phase: "Running", count: 1, successful: 0, failed: 0, inconclusive: 1, error: 0, consecutiveError: 0, consecutiveSuccess: 0,
        measurements: [{ phase: "Inconclusive", value: "0", message: "not enough data: 42 samples in the window, at least 50 needed; measured 5s after the analysis started, inside the query's 1m window: set the metric's initialDelay to at least 60s" }],
      },
      {
        name: "p99.9-latency", phase: "Running", count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 1,
        measurements: [{ phase: "Successful", value: "0.2", message: "0.2 meets success condition (max 0.3)", warnings: ["PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket"] }],
      },
      { name: "throughput", phase: "Running", count: 1, successful: 0, failed: 0, inconclusive: 0, error: 1, consecutiveError: 1, consecutiveSuccess: 0, measurements: [{ phase: "Error", message: "Prometheus unreachable (after 3 attempts): connect ECONNREFUSED 10.0.0.9:9090" }] },
    ],
  });
  const text = renderRollout({ rollout: canaryMidAnalysis(), replicaSets: sets, analysisRuns: [run], now: NOW, width: 80, colour: false });
  for (const line of text.split("\n")) assert.ok([...line].length <= 80, `wider than 80: ${line}`);
  matchSnapshot("analysis-why", text.slice(text.indexOf("◌ AnalysisRun")));
});

test("a run with a share of the revision's false-abort budget says which share", () => {
  const shared = (falseAbortShare: number) => analysisRunSchema.parse({ ...runningRun, spec: { ...runningRun.spec, falseAbortShare } });
  const head = (run: AnalysisRun) => renderRollout({ rollout: canaryMidAnalysis(), replicaSets: sets, analysisRuns: [run], now: NOW, width: 120, colour: false }).split("\n").find((l) => l.includes("AnalysisRun "));
  assert.equal(head(shared(1 / 4)), "◌ AnalysisRun checkout-7c9fd8xq2b-4 (step, 1/4 of the false-abort budget): Running");
  assert.equal(head(shared(0.3)), "◌ AnalysisRun checkout-7c9fd8xq2b-4 (step, 0.3 of the false-abort budget): Running");
  assert.equal(head(shared(1)), "◌ AnalysisRun checkout-7c9fd8xq2b-4 (step): Running", "the whole budget is the default, not worth a word");
});

test("colours only when asked; the text is the same without them", () => {
  const input = { rollout: canaryMidAnalysis(), replicaSets: sets, analysisRuns: [runningRun], now: NOW, width: 120 };
  const plain = renderRollout({ ...input, colour: false });
  const coloured = renderRollout({ ...input, colour: true });
  assert.doesNotMatch(plain, /\u001b\[/);
  assert.match(coloured, /\u001b\[32m✔\u001b\[39m/);
  assert.equal(coloured.replace(/\u001b\[\d+m/g, ""), plain);
});

test("the release report of a completed canary, from its background run's request judges: the new version beside stable, and what was not measured", async () => {
  const { serializeServed } = await import("../../src/analysis/counts/served.ts");
  const r = canaryMidAnalysis();
  r.status = {
    ...r.status,
    phase: "Healthy",
    message: undefined,
    currentStepIndex: 7,
    stepProgress: "7/7",
    stableRS: "7c9fd8xq2b",
    servingSince: ago(900),
    canary: { weights: { canary: 0, stable: 100 } },
  };
  const histogram = (counts: [number, number][]) => ({ buckets: counts.map(([le, count]) => ({ le, count })), total: counts.at(-1)?.[1] ?? 0 });
  const served = (metric: "errors" | "latency") =>
    serializeServed(
      metric === "errors"
        ? { canary: { requests: 48_210, errors: 31 }, stable: { requests: 144_630, errors: 87 }, looks: 28 }
        : {
            canary: { requests: 48_100, histogram: histogram([[0.05, 30_000], [0.1, 45_000], [0.25, 47_900], [0.5, 48_090], [Number.POSITIVE_INFINITY, 48_100]]) },
            stable: { requests: 144_500, histogram: histogram([[0.05, 95_000], [0.1, 138_000], [0.25, 144_200], [0.5, 144_480], [Number.POSITIVE_INFINITY, 144_500]]) },
            looks: 28,
          },
    );
  const judged = (name: string, requests: Record<string, string>) => ({ name, interval: "30s", provider: { prometheus: {} }, compare: { requests } });
  const background = analysisRunSchema.parse({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: { name: "checkout-7c9fd8xq2b-bg", namespace: "shop", creationTimestamp: ago(900), labels: { "sluice.dev/analysis-role": "background" } },
    spec: {
      metrics: [
        judged("errors-vs-stable", { errors: 'sum(http_requests_total{h="{{podTemplateHash}}",code=~"5.."})', requests: 'sum(http_requests_total{h="{{podTemplateHash}}"})' }),
        judged("latency-vs-stable", { latency: 'sum by (le) (http_request_duration_seconds_bucket{h="{{podTemplateHash}}"})' }),
      ],
    },
    status: {
      phase: "Successful",
      message: "terminated: all 2 metric(s) successful",
      metricResults: (["errors", "latency"] as const).map((kind) => ({
        name: `${kind}-vs-stable`, phase: "Successful", count: 28, successful: 1, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 1,
        measurements: [{ phase: "Successful", value: "e=0.31", metadata: { served: served(kind) } }],
      })),
    },
  });
  const text = renderRollout({ rollout: r, replicaSets: sets, analysisRuns: [background], now: NOW, width: 120, colour: false });
  matchSnapshot("canary-release-report", text.slice(text.indexOf("Release report")));

  // While a run still measures, the report so far; a latency metric missing says why.
  const running = analysisRunSchema.parse({ ...background, spec: { ...background.spec, metrics: background.spec.metrics.slice(0, 1) }, status: { ...background.status, phase: "Running", metricResults: background.status?.metricResults?.slice(0, 1) } });
  const soFar = renderRollout({ rollout: { ...r, status: { ...r.status, phase: "Progressing" } }, replicaSets: sets, analysisRuns: [running], now: NOW, width: 80, colour: false });
  for (const line of soFar.split("\n")) assert.ok([...line].length <= 80, `wider than 80: ${line}`);
  assert.match(soFar, /\nRelease report so far, revision 7c9fd8xq2b, from checkout-7c9fd8xq2b-bg\n  \(errors-vs-stable, 28 looks\)\n/);
  assert.match(soFar, /\n  p99\s+not measured\s+not measured\n/);
  assert.match(soFar, /\n  · not measured: latency: no analysis of this revision had a request-judge\n    latency metric \(compare\.requests\.latency\)\n$/);
  // A first deployment (nothing served as a new version) shows no report.
  const first = renderRollout({ rollout: { ...r, status: { ...r.status, servingSince: undefined } }, replicaSets: sets, analysisRuns: [], now: NOW, width: 120, colour: false });
  assert.doesNotMatch(first, /Release report/);
});
