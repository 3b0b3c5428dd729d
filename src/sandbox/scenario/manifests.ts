/**
 * The objects a sandbox scenario applies to its API server: Services, the HTTPRoute(s) the gateway serves,
 * analysis templates tuned for a laptop (short windows, a 1 s scrape), and the Rollout. `speed` divides
 * every wait, so CI can run the same scenario faster.
 */
import { formatDuration } from "../../api/duration.ts";
import { API_GROUP_VERSION } from "../../api/group.ts";
import type { KubeObject } from "../../kube/kube-object.ts";
import type { DemoVersion, Scenario } from "./scenarios.ts";

export const NAMESPACE = "default";
export const ROLLOUT = "demo";
const APP = { app: "demo" };

/** A duration string for `seconds / speed`, at least 1 s. */
export const scaled = (seconds: number, speed: number) => formatDuration(Math.max(1, Math.round(seconds / speed)) * 1000);

/**
 * The first measurement's delay: the query's window (which does not scale with `speed`) plus two scrapes, or
 * the window / speed when that is longer. Measured earlier, a window holds too few samples on a busy machine
 * and the measurement is inconclusive, which pauses a good version.
 */
const afterWindow = (windowSeconds: number, speed: number) => formatDuration(Math.max(windowSeconds + 2, Math.round(windowSeconds / speed)) * 1000);

const meta = (name: string) => ({ name, namespace: NAMESPACE });

function service(name: string): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: meta(name), spec: { selector: APP, ports: [{ name: "http", port: 80, targetPort: 8080 }] } };
}

function httpRoute(name: string, backends: string[]): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: meta(name),
    spec: {
      parentRefs: [{ name: "sandbox" }],
      rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: backends.map((b, i) => ({ name: b, port: 80, weight: i === 0 ? 100 : 0 })) }],
    },
  };
}

const hash = '{{args.pod-hash}}';
/** The request judge fills the pod-template hash per side itself. */
const JUDGE_SELECTOR = 'rollouts_pod_template_hash="{{podTemplateHash}}"';
const selector = `rollouts_pod_template_hash="${hash}"`;

/** Knobs of the analysis templates beyond `speed`. */
export type TemplateOptions = {
  /** provider.prometheus.timeout of every metric (default: the provider's 30 s). */
  queryTimeout?: string | undefined;
  /** inconclusiveLimit of every metric (default 0): measurements without data forgiven, e.g. with a flaky Prometheus. */
  inconclusiveLimit?: number | undefined;
  /** Looks of the request judge (default 12); fewer where each look is slow to come (a controller killed every few seconds). */
  judgeCount?: number | undefined;
};

function templates(speed: number, options: TemplateOptions): KubeObject[] {
  const timeout = options.queryTimeout !== undefined ? { timeout: options.queryTimeout } : {};
  const template = (name: string, metrics: unknown[], extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: API_GROUP_VERSION,
    kind: "ClusterAnalysisTemplate",
    metadata: { name },
    spec: { args: [{ name: "pod-hash" }], metrics, ...extra },
  });
  // One noisy measurement is forgiven (failureLimit 1): a real regression fails every one.
  const every = { interval: scaled(4, speed), count: 3, ...(options.inconclusiveLimit !== undefined ? { inconclusiveLimit: options.inconclusiveLimit } : {}) };
  const tolerant = { ...every, failureLimit: 1 };
  // The request judge counts requests from its first look on: twelve looks give a 50% canary at 250 requests/s
  // about 3,000 requests of its own, enough to see a 0.5% tail (the old per-step judge reached back in time).
  const judgeLooks = { interval: scaled(4, speed), count: options.judgeCount ?? 12 };
  const requestsIn20s = (min: number) => ({ query: `sum(increase(http_request_duration_seconds_count{${selector}}[20s]))`, min });
  /** histogram_quantile(q) of the version's latency over 20 s, at most `max` seconds. */
  const latency = (name: string, q: number, max: number, minSamples?: number) => ({
    name,
    initialDelay: afterWindow(20, speed),
    ...tolerant,
    successCondition: { max },
    ...(minSamples !== undefined ? { minSamples: requestsIn20s(minSamples) } : {}),
    provider: { prometheus: { query: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${selector}}[20s])))`, ...timeout } },
  });
  return [
    template("sandbox-error-rate", [
      {
        name: "error-rate",
        initialDelay: afterWindow(10, speed),
        ...every,
        successCondition: { max: 0.01 },
        minSamples: { query: `sum(increase(http_requests_total{${selector}}[10s]))`, min: 50 },
        provider: {
          prometheus: { query: `sum(rate(http_requests_total{${selector}, code=~"5.."}[10s])) / sum(rate(http_requests_total{${selector}}[10s]))`, ...timeout },
        },
      },
    ]),
    template("sandbox-latency", [
      latency("p50-latency", 0.5, 0.1),
      latency("p99-latency", 0.99, 0.25),
      // A laptop running Prometheus, the API server and every pod shares its cores: p99.9 of a healthy 20 ms
      // app reaches ~0.2 s here, so the threshold sits above that and below the tail scenario's 0.27 s.
      latency("p99.9-latency", 0.999, 0.25, 500),
      // The upper bound of the slowest request's bucket: a guard against stalls of a second or more.
      latency("max-latency", 1, 1),
      {
        // The robust tail check: no interpolation inside a bucket, so it cannot be capped or smoothed away.
        name: "slower-than-250ms",
        initialDelay: afterWindow(20, speed),
        ...tolerant,
        successCondition: { max: 0.002 },
        minSamples: requestsIn20s(500),
        provider: {
          prometheus: {
            query: `1 - sum(rate(http_request_duration_seconds_bucket{${selector}, le="0.25"}[20s])) / sum(rate(http_request_duration_seconds_count{${selector}}[20s]))`,
            ...timeout,
          },
        },
      },
    ]),
    {
      apiVersion: API_GROUP_VERSION,
      kind: "ClusterAnalysisTemplate",
      metadata: { name: "sandbox-judge" },
      spec: {
        metrics: [
          {
            // The request judge: every look reads each side's counters, and on the requests since the previous look tests whether
            // the canary served more than its share of the slow ones (at the bounds of the pooled p50..p99.9) or
            // of the failed ones; it aborts the moment the evidence is conclusive, valid however often it looks.
            name: "latency-vs-stable",
            ...judgeLooks,
            compare: { critical: true, requests: { latency: `sum by (le) (http_request_duration_seconds_bucket{${JUDGE_SELECTOR}})`, minRequests: 200 } },
            provider: { prometheus: { ...timeout } },
          },
          {
            name: "errors-vs-stable",
            ...judgeLooks,
            compare: {
              critical: true,
              requests: {
                errors: `sum(http_requests_total{${JUDGE_SELECTOR}, code=~"5.."})`,
                requests: `sum(http_requests_total{${JUDGE_SELECTOR}})`,
                minRequests: 200,
              },
            },
            provider: { prometheus: { ...timeout } },
          },
        ],
      },
    },
  ];
}

function podTemplate(version: DemoVersion) {
  return {
    metadata: { labels: APP, annotations: { "sluice.dev/version": version.name } },
    spec: {
      containers: [
        {
          name: "demo",
          image: `sluice/demo-app:${version.name}`,
          env: Object.entries(version.env).map(([name, value]) => ({ name, value })),
        },
      ],
    },
  };
}

const hashArg = [{ name: "pod-hash", valueFrom: { podTemplateHashValue: "Latest" } }];

function strategy(scenario: Scenario, speed: number, autoPromote: boolean): Record<string, unknown> {
  if (scenario.strategy === "blueGreen") {
    const errorRate = { templates: [{ templateName: "sandbox-error-rate", clusterScope: true }], args: hashArg };
    return {
      blueGreen: {
        activeService: "demo-active",
        previewService: "demo-preview",
        autoPromotionEnabled: autoPromote,
        scaleDownDelaySeconds: Math.max(1, Math.round(10 / speed)),
        prePromotionAnalysis: errorRate,
        ...(scenario.postPromotionAnalysis ? { postPromotionAnalysis: errorRate } : {}),
      },
    };
  }
  return {
    canary: {
      stableService: "demo-stable",
      canaryService: "demo-canary",
      trafficRouting: { gatewayAPI: { httpRoute: "demo" } },
      scaleDownDelaySeconds: Math.max(1, Math.round(5 / speed)),
      abortScaleDownDelaySeconds: Math.max(1, Math.round(5 / speed)),
      steps: [
        { setWeight: 20 },
        { analysis: { templates: [{ templateName: "sandbox-error-rate", clusterScope: true }], args: hashArg } },
        { setWeight: 50 },
        {
          analysis: {
            templates: [
              { templateName: "sandbox-latency", clusterScope: true },
              { templateName: "sandbox-judge", clusterScope: true },
            ],
            args: hashArg,
          },
        },
        { pause: { duration: scaled(5, speed) } },
      ],
    },
  };
}

export function rolloutFor(scenario: Scenario, version: DemoVersion, speed: number, autoPromote: boolean, replicas = 3): KubeObject {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: meta(ROLLOUT),
    spec: { replicas, selector: { matchLabels: APP }, template: podTemplate(version), strategy: strategy(scenario, speed, autoPromote) },
  };
}

/** Everything but the Rollout, in apply order. */
export function baseObjects(scenario: Scenario, speed: number, options: TemplateOptions = {}): KubeObject[] {
  const routing =
    scenario.strategy === "canary"
      ? [service("demo-stable"), service("demo-canary"), httpRoute("demo", ["demo-stable", "demo-canary"])]
      : [service("demo-active"), service("demo-preview"), httpRoute("demo", ["demo-active"]), httpRoute("demo-preview", ["demo-preview"])];
  return [...routing, ...templates(speed, options)];
}

/** The pod template of a version, for switching the Rollout to it. */
export { podTemplate };
