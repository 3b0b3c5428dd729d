/**
 * Analysis against a REAL Prometheus (Debian package `prometheus`) scraping real demo-app processes every second,
 * driven by an open-loop load of 250 requests/s per process:
 *   stable   healthy                       canary-err   5% of requests answer 500
 *   canary-tail  0.5% of requests +250 ms  canary-good  healthy         canary-idle  no traffic
 * The shipped templates (deploy/analysis-templates) are measured as they are, with a 20 s window argument.
 * The last part runs AnalysisRun objects through the sandbox API server with startAnalysisRunner, and finally
 * stops Prometheus under a running analysis.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import type { Measurement } from "../../src/api/analysis-run.ts";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { metricSchema, type Metric } from "../../src/api/metric.ts";
import { measureCompare } from "../../src/analysis/measure-compare.ts";
import { measureRequests } from "../../src/analysis/measure-requests.ts";
import { measureThreshold } from "../../src/analysis/measure-threshold.ts";
import { startAnalysisRunner, type AnalysisRunner } from "../../src/analysis/runner.ts";
import { PrometheusProvider } from "../../src/providers/prometheus.ts";
import { literalArgs } from "../../src/providers/resolved-args.ts";
import { prometheusInstalled, startPrometheus, type RunningPrometheus } from "../../src/sandbox/prometheus.ts";
import { canaryRollout, startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { startDemoProcess, startLoad, type DemoProcess, type Load } from "./helpers/demo-fleet.ts";
import { argsFor, shippedMetric } from "./helpers/templates.ts";

const WINDOW = "20s";
const RATE = 250;
const skip = prometheusInstalled() ? false : "prometheus is not installed (apt-get install -y prometheus; .ci/setup does it)";

describe("analysis against a real Prometheus", { skip, timeout: 170_000 }, () => {
  let prometheus: RunningPrometheus;
  let provider: PrometheusProvider;
  const apps: DemoProcess[] = [];
  let load: Load | undefined;
  const hash = { stable: "stable1", err: "cerr", tail: "ctail", good: "cgood", idle: "cidle" };

  before(async () => {
    const started = Date.now();
    apps.push(
      ...(await Promise.all([
        startDemoProcess("stable", hash.stable, { LATENCY_MS: "2" }),
        startDemoProcess("canary-err", hash.err, { LATENCY_MS: "2", ERROR_RATE: "0.05" }),
        startDemoProcess("canary-tail", hash.tail, { LATENCY_MS: "2", TAIL_LATENCY_MS: "250", TAIL_FRACTION: "0.005" }),
        startDemoProcess("canary-good", hash.good, { LATENCY_MS: "2" }),
        startDemoProcess("canary-idle", hash.idle, { LATENCY_MS: "2" }),
      ])),
    );
    prometheus = await startPrometheus({ scrapeInterval: "1s", targets: apps.map((a) => ({ address: `127.0.0.1:${a.port}`, labels: { app: a.name } })) });
    provider = new PrometheusProvider({ defaultAddress: prometheus.url, readSecret: async () => undefined, retry: { retries: 1, minDelayMs: 50, maxDelayMs: 100 } });
    load = startLoad(apps.filter((a) => a.hash !== hash.idle).map((a) => a.port), RATE, 150_000);
    // A full 20 s window of scrapes under load before anything is measured.
    await new Promise((r) => setTimeout(r, Math.max(0, 23_000 - (Date.now() - started))));
  });

  after(async () => {
    await load?.stop();
    await Promise.all(apps.map((a) => a.stop()));
    await prometheus?.stop();
  });

  const measure = (file: string, template: string, metricName: string, podHash: string, args: Record<string, string> = {}, edit?: (m: Metric) => Metric) => {
    const shipped = shippedMetric(file, template, metricName);
    return measureThreshold({
      provider,
      metric: edit ? edit(shipped) : shipped,
      args: argsFor(file, template, { "pod-hash": podHash, window: WINDOW, ...args }),
      context: { namespace: "default" },
      at: new Date(),
      now: () => new Date(),
    });
  };
  const explain = (m: Measurement) => `${m.phase} value=${m.value ?? "-"}: ${m.message ?? ""}`;

  it("runs the Debian Prometheus", () => {
    assert.match(prometheus.version, /^\d+\.\d+/);
  });

  it("a canary returning 5% errors fails error-rate; stable passes with 0", async () => {
    const bad = await measure("error-rate.yaml", "error-rate", "error-rate", hash.err);
    assert.equal(bad.phase, "Failed", explain(bad));
    const rate = Number(bad.value);
    assert.ok(rate > 0.04 && rate < 0.06, `error rate ${rate}`);
    assert.match(bad.message ?? "", /does not meet success condition \(max 0\.01\)/);
    const stable = await measure("error-rate.yaml", "error-rate", "error-rate", hash.stable);
    assert.equal(stable.phase, "Successful", explain(stable));
    assert.equal(stable.value, "0");
    assert.ok(Number(stable.metadata?.samples) > 1000, `samples ${stable.metadata?.samples}`);
  });

  it("a canary whose slowest 0.5% take +250 ms passes p99 but fails p99.9 and fraction-slower-than-250ms", async () => {
    const p99 = await measure("latency.yaml", "latency", "p99-latency", hash.tail);
    assert.equal(p99.phase, "Successful", explain(p99));
    const p999 = await measure("latency.yaml", "latency", "p99.9-latency", hash.tail);
    assert.equal(p999.phase, "Failed", explain(p999));
    // 252 ms requests: the 0.25-0.3 bucket (0.4 allows for a busy CI machine delaying some of them).
    assert.ok(Number(p999.value) > 0.25 && Number(p999.value) <= 0.4, `p99.9 ${p999.value} should sit just above 0.25`);
    const slower = await measure("latency.yaml", "latency", "slower-than-threshold", hash.tail, { "slow-le": "0.25" });
    assert.equal(slower.phase, "Failed", explain(slower));
    assert.ok(Math.abs(Number(slower.value) - 0.005) < 0.002, `fraction slower ${slower.value}`);
  });

  it("the same tail canary: p50 passes, and the maximum is the upper bound of the slowest request's bucket", async () => {
    const p50 = await measure("latency.yaml", "latency", "p50-latency", hash.tail);
    assert.equal(p50.phase, "Successful", explain(p50));
    assert.ok(Number(p50.value) < 0.025, `p50 ${p50.value}`);
    // The shipped max (1 s) passes; the value is a bucket bound above the 252 ms requests (0.5 allows for a busy machine).
    const max = await measure("latency.yaml", "latency", "max-latency", hash.tail);
    assert.equal(max.phase, "Successful", explain(max));
    assert.ok([0.3, 0.35, 0.4, 0.5].includes(Number(max.value)), `max ${max.value} should be a bucket bound above 0.25`);
    assert.match(max.message ?? "", /max: the upper bound of the histogram bucket holding the slowest request/);
    // A threshold on a bucket boundary is exact: 0.25 s is exceeded.
    const strict = await measure("latency.yaml", "latency", "max-latency", hash.tail, {}, (m) => ({ ...m, successCondition: { max: 0.25 } }));
    assert.equal(strict.phase, "Failed", explain(strict));
  });

  it("a healthy canary passes everything", async () => {
    for (const [file, template, metric] of [
      ["error-rate.yaml", "error-rate", "error-rate"],
      ["latency.yaml", "latency", "p50-latency"],
      ["latency.yaml", "latency", "p99-latency"],
      ["latency.yaml", "latency", "p99.9-latency"],
      ["latency.yaml", "latency", "max-latency"],
      ["latency.yaml", "latency", "slower-than-threshold"],
    ] as const) {
      const m = await measure(file, template, metric, hash.good, { "slow-le": "0.25" });
      assert.equal(m.phase, "Successful", `${metric}: ${explain(m)}`);
    }
  });

  it("no traffic is Inconclusive, never Successful, and says why", async () => {
    const errors = await measure("error-rate.yaml", "error-rate", "error-rate", hash.idle);
    assert.equal(errors.phase, "Inconclusive", explain(errors));
    assert.match(errors.message ?? "", /no data: query returned NaN/);
    // Prometheus fact: histogram_quantile over buckets with no observations is NaN (not 0, not absent).
    const p99 = await measure("latency.yaml", "latency", "p99-latency", hash.idle);
    assert.equal(p99.phase, "Inconclusive", explain(p99));
    assert.equal(p99.value, "NaN");
    // Measured 5 s into a run whose query looks back 20 s: the message says to delay the first measurement.
    const early = await measureThreshold({
      provider,
      metric: shippedMetric("error-rate.yaml", "error-rate", "error-rate"),
      args: argsFor("error-rate.yaml", "error-rate", { "pod-hash": hash.idle, window: WINDOW }),
      context: { namespace: "default" },
      at: new Date(),
      now: () => new Date(),
      analysisStartedAt: new Date(Date.now() - 5000),
    });
    assert.equal(early.phase, "Inconclusive", explain(early));
    assert.match(early.message ?? "", /; measured 5s after the analysis started, inside the query's 20s window: set the metric's initialDelay to at least 20s$/);
    // A hash nobody has: the ratio is an empty vector.
    const none = await measure("error-rate.yaml", "error-rate", "error-rate", "no-such-hash");
    assert.equal(none.phase, "Inconclusive", explain(none));
    assert.match(none.message ?? "", /no data: query returned an empty vector; is the canary receiving traffic\?/);
  });

  it("a p99.9 that lands in the +Inf bucket is reported as capped, not as a pass", async () => {
    // Keep only the buckets up to 0.1 s (and +Inf): the 252 ms tail now lies above the highest finite bucket.
    const upTo100ms = (quantile: number) => (m: Metric): Metric => ({
      ...m,
      successCondition: { max: 0.2 },
      provider: {
        prometheus: {
          ...m.provider.prometheus,
          timeout: "10s",
          query: `histogram_quantile(${quantile}, sum by (le) (rate(http_request_duration_seconds_bucket{rollouts_pod_template_hash="{{args.pod-hash}}", le=~"0.005|0.01|0.025|0.05|0.075|0.1|\\\\+Inf"}[{{args.window}}])))`,
        },
      },
    });
    const capped = await measure("latency.yaml", "latency", "p99.9-latency", hash.tail, {}, upTo100ms(0.999));
    // Prometheus fact: the answer is exactly the highest finite bound, 0.1, which {max: 0.2} would have passed.
    assert.equal(capped.value, "0.1", explain(capped));
    assert.equal(capped.phase, "Inconclusive", explain(capped));
    assert.equal(capped.metadata?.capped, "true");
    assert.match(capped.message ?? "", /^capped: /);
    // The maximum is capped by a single request above the highest finite bucket.
    const cappedMax = await measure("latency.yaml", "latency", "max-latency", hash.tail, {}, upTo100ms(1));
    assert.equal(cappedMax.value, "0.1", explain(cappedMax));
    assert.equal(cappedMax.phase, "Inconclusive", explain(cappedMax));
    const uncapped = await measure("latency.yaml", "latency", "p99.9-latency", hash.good);
    assert.equal(uncapped.metadata?.capped, undefined, explain(uncapped));
  });

  it("injection strings in arguments never change the query's shape", async () => {
    for (const attempt of ['"} or vector(1) #', 'x"} or vector(0) or {a="', "\\", 'cgood\\"}']) {
      const m = await measure("error-rate.yaml", "error-rate", "error-rate", attempt);
      // Escaped, the value is just a label value nobody has: no data, never a pass, never a Prometheus parse error.
      assert.equal(m.phase, "Inconclusive", `${JSON.stringify(attempt)}: ${explain(m)}`);
    }
    const newline = await measure("error-rate.yaml", "error-rate", "error-rate", "cgood\n) or vector(0");
    assert.equal(newline.phase, "Error");
    assert.match(newline.message ?? "", /argument "pod-hash" inside "\.\.\." must not contain newlines/);
    const window = await measure("error-rate.yaml", "error-rate", "error-rate", hash.good, { window: "1m]) or vector(0) #" });
    assert.equal(window.phase, "Error");
    assert.match(window.message ?? "", /argument "window" inside \[\.\.\.\] must be a duration/);
  });

  it("a query Prometheus rejects is an Error with Prometheus' message, not retried", async () => {
    const m = await measure("error-rate.yaml", "error-rate", "error-rate", hash.good, {}, (metric) => ({
      ...metric,
      provider: { prometheus: { ...metric.provider.prometheus, timeout: "10s", query: "sum(rate(http_requests_total[1m]" } },
    }));
    assert.equal(m.phase, "Error");
    assert.match(m.message ?? "", /query rejected by Prometheus \(fix the query\): Prometheus bad_data \(HTTP 400\): .*parse error/);
  });

  describe("the judge (p99.9 canary vs stable, query_range)", () => {
    // The shipped metric on a test's time scale: independent points (rate window = step = 3 s), 8 per side.
    const compareMetric = (rateWindow = "3s", step = "3s"): Metric => {
      const shipped = shippedMetric("latency-vs-stable.yaml", "latency-vs-stable", "p99.9-vs-stable");
      const compare = shipped.compare;
      assert.ok(compare?.query);
      const query = compare.query.replace("[10s]", `[${rateWindow}]`);
      return { ...shipped, compare: { ...compare, query, window: "24s", step, minSamples: 6 } };
    };
    const judgeCanary = (canaryHash: string, final: boolean, metric = compareMetric()) =>
      measureCompare({
        provider,
        metric,
        args: literalArgs(),
        context: { namespace: "default" },
        at: new Date(),
        now: () => new Date(),
        canaryHash,
        stableHash: hash.stable,
        final,
        budget: { share: 1, requestMetrics: 0 },
      });

    it("fails the tail canary", async () => {
      // Final measurement: the sequential test may already have decided, otherwise the fixed-horizon test does.
      const m = await judgeCanary(hash.tail, true);
      assert.equal(m.phase, "Failed", explain(m));
      assert.equal(m.metadata?.classification, "High");
      assert.ok(Number(m.metadata?.canarySamples) >= 6);
      assert.ok(Number(m.metadata?.canaryMedian) > 0.25, explain(m));
      assert.equal(m.warnings, undefined, "independent points: no overlap warning");
    });

    it("warns when points overlap (a 10 s rate window at 1 s steps)", async () => {
      const m = await judgeCanary(hash.good, true, compareMetric("10s", "1s"));
      assert.ok(m.warnings?.some((w) => /^points overlap: the query's range \[10s\] is longer than step 1s/.test(w)), explain(m));
    });

    it("passes the healthy canary at the fixed horizon", async () => {
      const m = await judgeCanary(hash.good, true);
      assert.equal(m.phase, "Successful", explain(m));
      assert.equal(m.metadata?.decidedBy, "fixed-horizon");
    });

    it("has no data for an idle canary", async () => {
      const m = await judgeCanary(hash.idle, true);
      assert.equal(m.phase, "Inconclusive", explain(m));
      assert.equal(m.metadata?.classification, "NoData");
    });
  });

  describe("the request judge (the shipped requests-vs-stable, the requests between looks)", () => {
    /** Looks `n` times, 3 s apart, as the runner would; stops at a Failed look. */
    async function looks(metricName: string, canaryHash: string, n: number): Promise<Measurement[]> {
      const metric = { ...shippedMetric("requests-vs-stable.yaml", "requests-vs-stable", metricName), count: n };
      const taken: Measurement[] = [];
      for (let i = 0; i < n; i++) {
        const m = await measureRequests({
          provider,
          metric,
          args: literalArgs(),
          context: { namespace: "default" },
          at: new Date(),
          now: () => new Date(),
          canaryHash,
          stableHash: hash.stable,
          previous: taken.at(-1)?.metadata,
          final: i === n - 1,
          budget: { share: 1, requestMetrics: 2 },
        });
        taken.push(m);
        if (m.phase === "Failed" || m.phase === "Error") break;
        await new Promise((r) => setTimeout(r, 3000));
      }
      return taken;
    }

    it("fails the tail canary on latency and the erroring canary on errors; passes the healthy one", async () => {
      const [tail, errors, good] = await Promise.all([looks("latency-vs-stable", hash.tail, 9), looks("errors-vs-stable", hash.err, 9), looks("latency-vs-stable", hash.good, 4)]);
      const last = (ms: Measurement[]) => ms.at(-1) as Measurement;
      assert.equal(last(tail).phase, "Failed", explain(last(tail)));
      assert.match(last(tail).message ?? "", /^canary worse: canary \d+ of \d+ requests slower than/);
      assert.equal(last(errors).phase, "Failed", explain(last(errors)));
      const failedShare = /requests failed \(([\d.]+)%\) vs stable 0 of/.exec(last(errors).message ?? "");
      assert.ok(failedShare && Number(failedShare[1]) > 2 && Number(failedShare[1]) < 9, explain(last(errors)));
      assert.deepEqual(good.map((m) => m.phase), ["Running", "Running", "Running", "Successful"], good.map(explain).join("\n"));
      // The first look only reads where the counters stand; the others count the requests since the one before.
      assert.equal(good[0]?.metadata?.canaryRequests, "0");
      assert.ok(Number(good.at(-1)?.metadata?.canaryRequests) > 500, explain(good.at(-1) as Measurement));
    });
  });

  describe("AnalysisRuns through the sandbox API server", () => {
    let env: Env;
    let runner: AnalysisRunner;

    before(async () => {
      env = await startEnv();
      runner = await startAnalysisRunner({
        kc: env.kc,
        kube: env.kube,
        namespace: "default",
        log: pino({ level: process.env.SLUICE_TEST_LOG ?? "silent" }),
        prometheusAddress: prometheus.url,
        retry: { retries: 1, minDelayMs: 50, maxDelayMs: 100 },
      });
    });
    after(async () => {
      await runner?.stop();
      await env?.stop();
    });

    const errorRateMetric = (more: Record<string, unknown>) => {
      const shipped = shippedMetric("error-rate.yaml", "error-rate", "error-rate");
      return metricSchema.parse({ ...shipped, interval: "2s", ...more });
    };
    const createRun = (name: string, metrics: Metric[], podHash: string) =>
      env.kube.create({
        apiVersion: API_GROUP_VERSION,
        kind: "AnalysisRun",
        metadata: { name, namespace: "default" },
        spec: { metrics, args: [{ name: "pod-hash", value: podHash }, { name: "window", value: WINDOW }] },
      });
    const status = async (name: string) =>
      (await env.kube.get({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name }))?.status as
        | { phase?: string; message?: string; metricResults?: Array<{ consecutiveError: number; successful: number; measurements?: Measurement[] }> }
        | undefined;
    const phaseOf = (name: string, phases: string[], timeoutMs = 20_000) =>
      env.waitFor(`${name} to reach ${phases.join("/")}`, async () => {
        const s = await status(name);
        return s?.phase && phases.includes(s.phase) ? s : undefined;
      }, timeoutMs);

    it("executes a run to Failed for the erroring canary and to Successful for the healthy one", async () => {
      await createRun("bad-canary", [errorRateMetric({ count: 2, failureLimit: 0 })], hash.err);
      await createRun("good-canary", [errorRateMetric({ count: 2 })], hash.good);
      const bad = await phaseOf("bad-canary", ["Failed", "Successful", "Inconclusive", "Error"]);
      assert.equal(bad.phase, "Failed", bad.message);
      assert.match(bad.message ?? "", /metric "error-rate" failed/);
      const good = await phaseOf("good-canary", ["Failed", "Successful", "Inconclusive", "Error"]);
      assert.equal(good.phase, "Successful", good.message);
      const measurements = good.metricResults?.[0]?.measurements ?? [];
      assert.equal(measurements.length, 2);
      // Two measurements one interval apart (2 s), not back to back.
      const gap = Date.parse(measurements[1]?.startedAt ?? "") - Date.parse(measurements[0]?.startedAt ?? "");
      assert.ok(gap >= 1900 && gap < 6000, `gap ${gap} ms`);
    });

    it("{{args.NAME}} in provider.prometheus.address (Argo's habit) is filled from the run's args", async () => {
      const at = (address: string, name: string) =>
        env.kube.create({
          apiVersion: API_GROUP_VERSION,
          kind: "AnalysisRun",
          metadata: { name, namespace: "default" },
          spec: {
            metrics: [errorRateMetric({ count: 1, provider: { prometheus: { ...errorRateMetric({}).provider.prometheus, address: "{{args.prometheus}}" } } })],
            args: [{ name: "pod-hash", value: hash.good }, { name: "window", value: WINDOW }, { name: "prometheus", value: address }],
          },
        });
      await at(prometheus.url, "address-arg");
      await at("http://127.0.0.1:1", "address-arg-nowhere");
      const good = await phaseOf("address-arg", ["Failed", "Successful", "Inconclusive", "Error"]);
      assert.equal(good.phase, "Successful", good.message);
      // The controller's default address is the real Prometheus: only the arg can send this one to port 1.
      const nowhere = await env.waitFor("an Error measurement", async () => (await status("address-arg-nowhere"))?.metricResults?.[0]?.measurements?.find((m) => m.phase === "Error"));
      assert.match(nowhere.message ?? "", /Prometheus unreachable.*127\.0\.0\.1:1/);
    });

    it("a full canary whose template takes its Prometheus address from the Rollout's args passes, and aborts when the arg points nowhere", async () => {
      // The controller decides; the runner above executes its runs, and its own default address is the real
      // Prometheus, so the second revision can only fail through the arg.
      const controller = await env.startController();
      await env.kube.create({
        apiVersion: API_GROUP_VERSION,
        kind: "AnalysisTemplate",
        metadata: { name: "error-rate-at", namespace: "default" },
        spec: {
          args: [{ name: "prometheus" }, { name: "pod-hash" }, { name: "window" }],
          metrics: [errorRateMetric({ count: 1, consecutiveErrorLimit: 0, provider: { prometheus: { ...errorRateMetric({}).provider.prometheus, address: "{{args.prometheus}}" } } })],
        },
      });
      const step = (address: string) => ({
        analysis: { templates: [{ templateName: "error-rate-at" }], args: [{ name: "prometheus", value: address }, { name: "pod-hash", value: hash.good }, { name: "window", value: WINDOW }] },
      });
      await env.kube.create(canaryRollout("addr", [{ setWeight: 50 }, step(prometheus.url)], 1));
      const first = await env.waitForPhase("addr", "Healthy");
      await env.setImage("addr", "acme/addr:2");
      const second = await env.waitForPhase("addr", "Healthy", 30_000, (st) => st.stableRS !== undefined && st.stableRS !== first.stableRS);
      await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "addr" }, { spec: { strategy: { canary: { steps: [{ setWeight: 50 }, step("http://127.0.0.1:1")] } }, template: { spec: { containers: [{ name: "app", image: "acme/addr:3" }] } } } });
      const aborted = await env.waitFor("Aborted", async () => {
        const st = statusOf(await env.rollout("addr"));
        return st.phase === "Aborted" ? st : undefined;
      }, 30_000);
      assert.match(aborted.message ?? "", /Prometheus unreachable.*127\.0\.0\.1:1/);
      assert.equal(statusOf(await env.rollout("addr")).stableRS, second.stableRS, "back on the revision the arg let through");
      await controller.stop();
    });

    it("Prometheus stopped mid-run: Error measurements, then Failed after consecutiveErrorLimit", async () => {
      await createRun("outage", [errorRateMetric({ consecutiveErrorLimit: 2 })], hash.good);
      await env.waitFor("a successful measurement", async () => ((await status("outage"))?.metricResults?.[0]?.successful ?? 0) >= 1 || undefined);
      await load?.stop();
      await prometheus.stop();
      const failed = await phaseOf("outage", ["Failed", "Successful", "Inconclusive", "Error"], 30_000);
      assert.equal(failed.phase, "Failed", failed.message);
      const result = failed.metricResults?.[0];
      assert.equal(result?.consecutiveError, 3);
      const last = result?.measurements?.at(-1);
      assert.equal(last?.phase, "Error");
      assert.match(last?.message ?? "", /Prometheus unreachable/);
      assert.match(failed.message ?? "", /3 consecutive errors, limit 2/);
    });
  });
});
