import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { effectiveSteps } from "../../src/api/canary-steps.ts";
import { durationToMs, formatDuration } from "../../src/api/duration.ts";
import { closestName } from "../../src/api/field-errors.ts";
import { parseSluiceObject } from "../../src/api/objects.ts";
import { canaryStrategySchema } from "../../src/api/rollout.ts";
import { selectorMatches, selectorToString } from "../../src/api/selector.ts";

const rollout = (strategy: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web", namespace: "shop" },
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "acme/web:1", ports: [{ containerPort: 80 }] }] } },
    strategy,
    ...extra,
  },
});

test("durations: Go-style strings and whole seconds", () => {
  assert.equal(durationToMs("30s"), 30_000);
  assert.equal(durationToMs("5m"), 300_000);
  assert.equal(durationToMs("1h30m"), 5_400_000);
  assert.equal(durationToMs("250ms"), 250);
  assert.equal(durationToMs("1.5s"), 1500);
  assert.equal(durationToMs(10), 10_000);
  for (const bad of ["", "5", "5 m", "m5", "1d", "-1s", "ten minutes"]) assert.equal(durationToMs(bad), undefined, bad);
  assert.equal(durationToMs(-1), undefined);
  assert.equal(formatDuration(90_000), "1m30s");
  assert.equal(formatDuration(3_600_000), "1h");
  assert.equal(formatDuration(0), "0ms");
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000_000 }), (seconds) => durationToMs(formatDuration(seconds * 1000)) === seconds * 1000),
  );
});

test("defaults are applied by the schema, once, in one place", () => {
  const parsed = parseSluiceObject(rollout({ canary: {} }));
  assert.equal(parsed.status, "valid");
  if (parsed.status !== "valid" || parsed.object.kind !== "Rollout") return;
  const { spec } = parsed.object.value;
  assert.equal(spec.replicas, 1);
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  assert.equal(spec.paused, false);
  assert.equal(spec.strategy.canary?.scaleDownDelaySeconds, 30);
  assert.equal(spec.strategy.canary?.maxSurge, "25%");
  // Pod template fields sluice does not model are kept as given.
  assert.deepEqual(spec.template?.spec.containers[0]?.ports, [{ containerPort: 80 }]);

  const bg = parseSluiceObject(rollout({ blueGreen: { activeService: "web" } }));
  assert.ok(bg.status === "valid" && bg.object.kind === "Rollout");
  assert.equal(bg.object.value.spec.strategy.blueGreen?.autoPromotionEnabled, true);
  assert.equal(bg.object.value.spec.strategy.blueGreen?.scaleDownDelaySeconds, 30);
});

test("the Flagger-style shorthand expands to setWeight/pause pairs ending at maxWeight", () => {
  const canary = canaryStrategySchema.parse({ stepWeight: 10, maxWeight: 50, interval: "1m" });
  const steps = effectiveSteps(canary);
  assert.deepEqual(
    steps.filter((s) => s.setWeight !== undefined).map((s) => s.setWeight),
    [10, 20, 30, 40, 50],
  );
  assert.ok(steps.every((s, i) => (i % 2 === 1 ? s.pause?.duration === "1m" : s.setWeight !== undefined)));
  // A step that does not divide maxWeight still ends exactly at it.
  const uneven = effectiveSteps(canaryStrategySchema.parse({ stepWeight: 30, maxWeight: 80, interval: "30s" }));
  assert.deepEqual(uneven.filter((s) => s.setWeight !== undefined).map((s) => s.setWeight), [30, 60, 80]);
  assert.deepEqual(effectiveSteps(canaryStrategySchema.parse({})), []);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), (step, max) => {
      fc.pre(max >= step);
      const weights = effectiveSteps(canaryStrategySchema.parse({ stepWeight: step, maxWeight: max, interval: "1m" }))
        .map((s) => s.setWeight)
        .filter((w): w is number => w !== undefined);
      return weights.at(-1) === max && weights.every((w, i) => i === 0 || w > (weights[i - 1] ?? 0)) && weights.every((w) => Number.isInteger(w) && w <= 100);
    }),
  );
});

test("misspelt fields get a suggestion", () => {
  assert.equal(closestName("stepz", ["steps", "analysis", "stableService"]), "steps");
  assert.equal(closestName("canarySvc", ["canaryService", "stableService"]), "canaryService");
  assert.equal(closestName("zzzzzz", ["steps", "analysis"]), undefined);
});

test("label selectors: matchLabels and every expression operator", () => {
  const sel = {
    matchLabels: { app: "web" },
    matchExpressions: [
      { key: "tier", operator: "In" as const, values: ["a", "b"] },
      { key: "legacy", operator: "DoesNotExist" as const },
      { key: "zone", operator: "NotIn" as const, values: ["x"] },
      { key: "team", operator: "Exists" as const },
    ],
  };
  assert.ok(selectorMatches(sel, { app: "web", tier: "a", team: "t" }));
  assert.ok(!selectorMatches(sel, { app: "web", tier: "c", team: "t" }));
  assert.ok(!selectorMatches(sel, { app: "web", tier: "a", team: "t", legacy: "1" }));
  assert.ok(!selectorMatches(sel, { app: "web", tier: "a", team: "t", zone: "x" }));
  assert.ok(!selectorMatches(sel, { app: "web", tier: "a" }));
  assert.equal(selectorToString(sel), "app=web,tier in (a,b),!legacy,zone notin (x),team");
});

test("cross-field rules report the field to fix", () => {
  const messages = (doc: unknown) => {
    const r = parseSluiceObject(doc);
    return r.status === "invalid" ? r.errors.map((e) => `${e.path}: ${e.message}`) : [];
  };
  assert.deepEqual(messages(rollout({ canary: { maxWeight: 50 } })), [
    "spec.strategy.canary.maxWeight: only applies with stepWeight (the shorthand for steps); set stepWeight or remove it",
  ]);
  assert.deepEqual(messages(rollout({ canary: { stepWeight: 20, maxWeight: 10, interval: "1m" } })), [
    "spec.strategy.canary.maxWeight: must be at least stepWeight (20)",
  ]);
  assert.deepEqual(messages(rollout({ canary: { steps: [{ setCanaryScale: { replicas: 2 } }] } })), [
    "spec.strategy.canary.steps[0].setCanaryScale: needs trafficRouting: without a router the canary's replica count is what sets its traffic weight",
  ]);
  assert.deepEqual(
    messages(rollout({ canary: { stableService: "a", canaryService: "b", trafficRouting: { nginx: { stableIngress: "i" } }, steps: [{ setHeaderRoute: { name: "h", match: [{ headerName: "x", headerValue: { prefix: "1" } }] } }] } })),
    ["spec.strategy.canary.steps[0].setHeaderRoute.match[0].headerValue.prefix: ingress-nginx matches a header exactly or by regex; use exact or regex"],
  );
  assert.deepEqual(messages(rollout({ canary: { steps: [{ setWeight: 5 }], analysis: { startingStep: 3, templates: [{ templateName: "t" }] } } })), [
    "spec.strategy.canary.analysis.startingStep: must be less than the number of steps (1)",
  ]);
  assert.deepEqual(messages(rollout({ canary: {} }, { replicas: -1 })), ["spec.replicas: must be an integer >= 0 (got -1)"]);
  assert.deepEqual(messages({ ...rollout({ canary: {} }), apiVersion: "sluice.dev/v1" }), ['apiVersion: must be sluice.dev/v1alpha1 (got "sluice.dev/v1")']);
  assert.deepEqual(messages(rollout({ canary: { trafficRouting: { gatewayAPI: { httpRoute: "r" }, smi: {} }, stableService: "a", canaryService: "b" } })), [
    "spec.strategy.canary.trafficRouting: must set exactly one of gatewayAPI, nginx, istio, smi (got gatewayAPI and smi)",
  ]);
});

test("Istio subset mode needs no stableService/canaryService; host mode and other routers still do, and say how to fix it", () => {
  const messages = (doc: unknown) => {
    const r = parseSluiceObject(doc);
    return r.status === "invalid" ? r.errors.map((e) => `${e.path}: ${e.message}`) : [];
  };
  const destinationRule = { name: "dr", canarySubsetName: "canary", stableSubsetName: "stable" };
  assert.deepEqual(messages(rollout({ canary: { trafficRouting: { istio: { virtualService: { name: "vs" }, destinationRule } }, steps: [{ setWeight: 10 }] } })), []);
  // Still allowed beside the subsets.
  assert.deepEqual(messages(rollout({ canary: { stableService: "a", canaryService: "b", trafficRouting: { istio: { virtualService: { name: "vs" }, destinationRule } } } })), []);
  assert.deepEqual(messages(rollout({ canary: { stableService: "a", trafficRouting: { istio: { virtualService: { name: "vs" } } } } })), [
    "spec.strategy.canary.canaryService: is required with trafficRouting.istio: the router sends traffic to it; set it to a Service selecting the app's pods; or route by DestinationRule subsets with trafficRouting.istio.destinationRule",
  ]);
  assert.deepEqual(messages(rollout({ canary: { canaryService: "b", trafficRouting: { smi: {} } } })), [
    "spec.strategy.canary.stableService: is required with trafficRouting.smi: the router sends traffic to it; set it to a Service selecting the app's pods",
  ]);
});

test("a metric is either a query with a condition or a compare", () => {
  const template = (metric: Record<string, unknown>) => ({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name: "t" },
    spec: { metrics: [{ name: "m", ...metric }] },
  });
  const errors = (doc: unknown) => {
    const r = parseSluiceObject(doc);
    return r.status === "invalid" ? r.errors.map((e) => e.path) : [];
  };
  assert.deepEqual(errors(template({ provider: { prometheus: { query: "up" } }, successCondition: { max: 1 } })), []);
  assert.deepEqual(errors(template({ provider: { prometheus: { query: "up" } }, successCondition: "result[0] >= 1" })), []);
  assert.deepEqual(errors(template({ provider: { prometheus: {} }, compare: { query: "x" } })), []);
  assert.deepEqual(errors(template({ provider: { prometheus: {} }, successCondition: { max: 1 } })), ["spec.metrics[0].provider.prometheus.query"]);
  assert.deepEqual(errors(template({ provider: { prometheus: { query: "up" } }, compare: { query: "x" } })), ["spec.metrics[0].provider.prometheus.query"]);
  assert.deepEqual(errors(template({ provider: { prometheus: { query: "up" } }, successCondition: {} })), ["spec.metrics[0].successCondition"]);
  assert.deepEqual(errors(template({ provider: {}, successCondition: { max: 1 } })), ["spec.metrics[0].provider"]);
});

test("a condition expression that cannot be evaluated is refused at parse time, with the fix", () => {
  const template = (successCondition: unknown) => ({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name: "t" },
    spec: { metrics: [{ name: "m", provider: { prometheus: { query: "up" } }, successCondition }] },
  });
  const messages = (doc: unknown) => {
    const r = parseSluiceObject(doc);
    return r.status === "invalid" ? r.errors.map((e) => `${e.path}: ${e.message}`) : [];
  };
  assert.deepEqual(messages(template("result[0] >= 0.95")), []);
  assert.deepEqual(messages(template("result.all(x, x < 1)")), []);
  const [syntax] = messages(template("result >="));
  assert.match(syntax ?? "", /^spec\.metrics\[0\]\.successCondition: is not a valid CEL expression \(.*\); write e\.g\. "result < 0\.01"$/);
  const [mixed] = messages(template("result[0] > 0.5 && result < 1.0"));
  assert.match(mixed ?? "", /^spec\.metrics\[0\]\.successCondition: uses result both as a list .* "result\[0\] >= 0\.95" or "result >= 0\.95"$/);
});

test("a per-step compare whose window can never hold minSamples points is refused, naming the fields and the fix", () => {
  const template = (compare: Record<string, unknown>) => ({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name: "t" },
    spec: { metrics: [{ name: "m", interval: "1m", provider: { prometheus: {} }, compare: { query: "x", ...compare } }] },
  });
  const messages = (doc: unknown) => {
    const r = parseSluiceObject(doc);
    return r.status === "invalid" ? r.errors.map((e) => `${e.path}: ${e.message}`) : [];
  };
  // 60 s at the default 10 s step: 7 points, and minSamples defaults to 50.
  assert.deepEqual(messages(template({ window: "1m" })), [
    "spec.metrics[0].compare.window: holds at most 7 points at step 10s (one per step), fewer than minSamples 50, so the judge could never decide: set window to at least 8m10s, or lower minSamples to 7, or leave window unset (it then holds 2·minSamples points)",
  ]);
  assert.deepEqual(messages(template({ window: "8m10s" })), [], "exactly 50 points");
  assert.deepEqual(messages(template({ window: "1m", step: "1s", minSamples: 61 })), []);
  assert.deepEqual(messages(template({ window: "1m", minSamples: 7 })), []);
  // Unset, the window is long enough by default; the request judge has no window.
  assert.deepEqual(messages(template({})), []);
});
