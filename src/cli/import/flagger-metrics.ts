/**
 * Flagger analysis metrics as sluice metrics. Flagger's two builtins are PromQL that depends on the mesh or
 * ingress (the queries below follow Flagger's documented ones); a custom metric takes its query from a
 * MetricTemplate, with Flagger's template variables filled in, since sluice templates hold the condition too.
 */
import { asRecord, duration, Notes, type Json } from "./notes.ts";

export type FlaggerTarget = {
  /** spec.targetRef.name: the Rollout's name, and the prefix of its ReplicaSets and pods. */
  name: string;
  /** The Canary's own name ({{ name }} in a MetricTemplate). */
  canaryName: string;
  namespace: string;
  provider: string;
  /** spec.service.name: the stable Service; the canary one is `${service}-canary`. */
  service: string;
  /** spec.ingressRef.name (nginx). */
  ingress: string | undefined;
};

/** The template arg a query uses to select the canary's pods: its pod-template hash, passed by the Rollout. */
export const CANARY_HASH_ARG = "canary-hash";

export type BuiltinQuery = { query: string; usesCanaryHash: boolean };

/**
 * Flagger's builtins select the canary by its own Deployment (`podinfo`, beside `podinfo-primary`). In sluice
 * stable and canary pods belong to one Rollout, so each query selects the canary another way: by the canary
 * Service the route sends its share to (Istio, as source proxies report it), by the ingress' canary label
 * (nginx, as Flagger does), or by the canary ReplicaSet's pod names (Linkerd, plain Kubernetes).
 */
export function builtinQuery(metric: "request-success-rate" | "request-duration", t: FlaggerTarget, window: string): BuiltinQuery | undefined {
  const ns = t.namespace;
  const canaryPods = `${t.name}-{{args.${CANARY_HASH_ARG}}}-[0-9a-zA-Z]+`;
  const withHash = (query: string): BuiltinQuery => ({ query, usesCanaryHash: true });
  const plain = (query: string): BuiltinQuery => ({ query, usesCanaryHash: false });
  // Flagger reads the builtins of every other provider (gatewayapi among them) from Istio's metrics.
  if (t.provider === "istio" || t.provider.startsWith("gatewayapi")) {
    const selector = `reporter="source",destination_service_namespace="${ns}",destination_service_name="${t.service}-canary"`;
    return plain(
      metric === "request-success-rate"
        ? `sum(rate(istio_requests_total{${selector},response_code!~"5.*"}[${window}])) / sum(rate(istio_requests_total{${selector}}[${window}])) * 100`
        : `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{${selector}}[${window}])) by (le))`,
    );
  }
  if (t.provider === "nginx") {
    if (!t.ingress) return undefined;
    const selector = `namespace="${ns}",ingress="${t.ingress}",canary!=""`;
    return plain(
      metric === "request-success-rate"
        ? `sum(rate(nginx_ingress_controller_requests{${selector},status!~"5.*"}[${window}])) / sum(rate(nginx_ingress_controller_requests{${selector}}[${window}])) * 100`
        : `sum(rate(nginx_ingress_controller_response_duration_seconds_sum{${selector}}[${window}])) / sum(rate(nginx_ingress_controller_response_duration_seconds_count{${selector}}[${window}])) * 1000`,
    );
  }
  if (t.provider === "linkerd") {
    const selector = `namespace="${ns}",pod=~"${canaryPods}",direction="inbound"`;
    return withHash(
      metric === "request-success-rate"
        ? `sum(rate(response_total{${selector},classification!="failure"}[${window}])) / sum(rate(response_total{${selector}}[${window}])) * 100`
        : `histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{${selector}}[${window}])) by (le))`,
    );
  }
  if (t.provider === "kubernetes") {
    // Flagger's "kubernetes" builtins: the app's own http_request_duration_seconds histogram, pods found by name.
    const selector = `kubernetes_namespace="${ns}",kubernetes_pod_name=~"${canaryPods}"`;
    return withHash(
      metric === "request-success-rate"
        ? `sum(rate(http_request_duration_seconds_count{${selector},status!~"5.*"}[${window}])) / sum(rate(http_request_duration_seconds_count{${selector}}[${window}])) * 100`
        : `histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{${selector}}[${window}])) by (le)) * 1000`,
    );
  }
  return undefined;
}

/** How a hand-written query selects the canary alone, for the provider's metrics. */
function canarySelectorHint(t: FlaggerTarget): string {
  if (t.provider === "istio" || t.provider.startsWith("gatewayapi")) {
    return `Select the requests routed to the canary Service instead: reporter="source",destination_service_name="${t.service}-canary"`;
  }
  return `Select the canary's pods instead, e.g. pod=~"${t.name}-{{args.${CANARY_HASH_ARG}}}-.*", with the template arg ${CANARY_HASH_ARG} passed by the Rollout as valueFrom: {podTemplateHashValue: Latest}`;
}

/** A MetricTemplate variable Flagger fills: {{ name }}, {{ namespace }}, {{ target }}, {{ service }}, {{ ingress }}, {{ interval }}, {{ variables.NAME }}. */
function variableValue(key: string, t: FlaggerTarget, window: string, variables: Json): string | undefined {
  if (key === "name") return t.canaryName;
  if (key === "namespace") return t.namespace;
  if (key === "target") return t.name;
  if (key === "service") return t.service;
  if (key === "ingress") return t.ingress;
  if (key === "interval") return window;
  if (key.startsWith("variables.")) {
    const v = variables[key.slice("variables.".length)];
    return v === undefined ? undefined : String(v);
  }
  return undefined;
}

/** The query with Flagger's variables filled, or what could not be filled (Go template functions, unknown names). */
export function fillTemplate(query: string, t: FlaggerTarget, window: string, variables: Json): { query: string; unfilled: string[] } {
  const unfilled: string[] = [];
  const filled = query.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (whole, inner: string) => {
    const key = /^\.?([\w.]+)$/.exec(inner)?.[1];
    const value = key === undefined ? undefined : variableValue(key, t, window, variables);
    if (value === undefined) {
      unfilled.push(whole);
      return whole;
    }
    return value;
  });
  return { query: filled, unfilled };
}

export type MetricTemplateLookup = (name: string, namespace: string) => Json | undefined;

export type TranslatedMetric = { metric: Json; usesCanaryHash: boolean };

/**
 * One Flagger metric. Its `interval` is the query's window ("Interval represents the windows size"); how often
 * it is measured is the analysis' `interval` (`measureEvery`).
 */
export function flaggerMetric(
  value: unknown,
  path: string,
  notes: Notes,
  t: FlaggerTarget,
  failureLimit: number,
  measureEvery: string,
  templates: MetricTemplateLookup,
): TranslatedMetric | undefined {
  const m = asRecord(value);
  const name = String(m.name ?? "");
  const window = String(m.interval ?? "1m");
  const range = { ...asRecord(m.thresholdRange) };
  if (m.threshold !== undefined && m.thresholdRange === undefined) {
    // Flagger's scheduler reads the deprecated threshold as a minimum for the success rate, a maximum otherwise.
    if (name === "request-success-rate") range.min = Number(m.threshold);
    else range.max = Number(m.threshold);
    notes.info(`${path}.threshold`, `deprecated threshold ${String(m.threshold)} read as Flagger does: a ${name === "request-success-rate" ? "minimum" : "maximum"} (thresholdRange.${name === "request-success-rate" ? "min" : "max"})`);
  }
  if (range.min === undefined && range.max === undefined) {
    notes.dropped(`${path}.thresholdRange`, `metric "${name}" has no thresholdRange, so nothing could fail it; left out`);
    return undefined;
  }
  let query: string | undefined;
  let usesCanaryHash = false;
  let address: unknown;
  const ref = asRecord(m.templateRef);
  if (m.templateRef) {
    const template = templates(String(ref.name), String(ref.namespace ?? t.namespace));
    if (!template) {
      notes.dropped(`${path}.templateRef`, `MetricTemplate ${String(ref.namespace ?? t.namespace)}/${String(ref.name)} is not among the inputs; import it together with the Canary (metric "${name}" is left out)`);
      return undefined;
    }
    const spec = asRecord(template.spec);
    const provider = asRecord(spec.provider);
    if ((provider.type ?? "prometheus") !== "prometheus") {
      notes.dropped(`${path}.templateRef`, `MetricTemplate ${String(ref.name)} uses provider ${String(provider.type)}; only Prometheus is supported (metric "${name}" is left out)`);
      return undefined;
    }
    if (provider.secretRef) notes.dropped(`${path}.templateRef`, `MetricTemplate ${String(ref.name)}: provider.secretRef holds credentials in Flagger's format; set provider.prometheus.authentication by hand`);
    const raw = String(spec.query ?? "");
    const filled = fillTemplate(raw, t, window, asRecord(m.templateVariables));
    if (filled.unfilled.length > 0) {
      notes.dropped(
        `${path}.templateRef`,
        `MetricTemplate ${String(ref.name)}: ${[...new Set(filled.unfilled)].join(", ")} cannot be filled (sluice fills {{ name }}, {{ namespace }}, {{ target }}, {{ service }}, {{ ingress }}, {{ interval }} and {{ variables.NAME }}, not Go template functions); write the query out (metric "${name}" is left out)`,
      );
      return undefined;
    }
    if (/\{\{\s*target\s*\}\}/.test(raw)) {
      // In Flagger {{ target }} names the canary's own Deployment; here stable and canary pods share the name.
      notes.dropped(
        `${path}.templateRef`,
        `MetricTemplate ${String(ref.name)} selects by {{ target }} ("${t.name}"), which in Flagger is the canary Deployment alone; in sluice stable and canary pods share that name, so the query measures both. ${canarySelectorHint(t)}`,
      );
    }
    query = filled.query;
    address = provider.address;
  } else if (name === "request-success-rate" || name === "request-duration") {
    const builtin = builtinQuery(name, t, window);
    if (!builtin) {
      notes.dropped(
        `${path}`,
        t.provider === "nginx"
          ? `builtin metric "${name}" for nginx needs spec.ingressRef (the ingress is in the query); left out`
          : `builtin metric "${name}" for provider "${t.provider}" has no query here (istio, gatewayapi, linkerd, nginx and kubernetes do); write it as a MetricTemplate`,
      );
      return undefined;
    }
    query = builtin.query;
    usesCanaryHash = builtin.usesCanaryHash;
  } else if (typeof m.query === "string" && m.query.trim() !== "") {
    // Flagger's deprecated inline query (checked after the builtin names, as its scheduler does), run as written.
    query = m.query;
    notes.info(
      `${path}.query`,
      `Flagger's deprecated inline query, copied as written; check that it selects the canary's pods alone (in sluice stable and canary pods share the Rollout's name and labels). ${canarySelectorHint(t)}`,
    );
  } else {
    notes.dropped(path, `metric "${name}" is neither a builtin, a templateRef nor an inline query; left out`);
    return undefined;
  }
  return {
    metric: {
      name: name.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+/, ""),
      interval: duration(measureEvery),
      failureLimit,
      successCondition: { ...(range.min !== undefined ? { min: Number(range.min) } : {}), ...(range.max !== undefined ? { max: Number(range.max) } : {}) },
      provider: { prometheus: { ...(typeof address === "string" ? { address } : {}), query } },
    },
    usesCanaryHash,
  };
}
