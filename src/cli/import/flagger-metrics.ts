/**
 * Flagger analysis metrics as sluice metrics. Flagger's two builtins are PromQL that depends on the mesh or
 * ingress (the queries below follow Flagger's documented ones); a custom metric takes its query from a
 * MetricTemplate, with Flagger's template variables filled in, since sluice templates hold the condition too.
 */
import { asRecord, duration, Notes, type Json } from "./notes.ts";

export type FlaggerTarget = { name: string; namespace: string; provider: string };

function builtinQuery(metric: "request-success-rate" | "request-duration", t: FlaggerTarget, interval: string): string | undefined {
  const ns = t.namespace;
  if (t.provider === "istio") {
    const selector = `reporter="destination",destination_workload_namespace="${ns}",destination_workload=~"${t.name}"`;
    return metric === "request-success-rate"
      ? `sum(rate(istio_requests_total{${selector},response_code!~"5.*"}[${interval}])) / sum(rate(istio_requests_total{${selector}}[${interval}])) * 100`
      : `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{${selector}}[${interval}])) by (le))`;
  }
  if (t.provider === "nginx") {
    const selector = `namespace="${ns}",ingress="${t.name}",canary!=""`;
    return metric === "request-success-rate"
      ? `sum(rate(nginx_ingress_controller_requests{${selector},status!~"5.*"}[${interval}])) / sum(rate(nginx_ingress_controller_requests{${selector}}[${interval}])) * 100`
      : `sum(rate(nginx_ingress_controller_response_duration_seconds_sum{${selector}}[${interval}])) / sum(rate(nginx_ingress_controller_response_duration_seconds_count{${selector}}[${interval}])) * 1000`;
  }
  if (t.provider === "linkerd") {
    const selector = `namespace="${ns}",deployment=~"${t.name}",direction="inbound"`;
    return metric === "request-success-rate"
      ? `sum(rate(response_total{${selector},classification!="failure"}[${interval}])) / sum(rate(response_total{${selector}}[${interval}])) * 100`
      : `histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{${selector}}[${interval}])) by (le))`;
  }
  return undefined;
}

/** {{ namespace }}, {{ target }}, {{ interval }}, {{ variables.NAME }} -> their values for this Canary. */
function fillTemplate(query: string, t: FlaggerTarget, interval: string, variables: Json): string {
  return query.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, key: string) => {
    if (key === "namespace") return t.namespace;
    if (key === "target") return t.name;
    if (key === "interval") return interval;
    if (key.startsWith("variables.")) return String(variables[key.slice("variables.".length)] ?? whole);
    return whole;
  });
}

export type MetricTemplateLookup = (name: string, namespace: string) => Json | undefined;

export function flaggerMetric(value: unknown, path: string, notes: Notes, t: FlaggerTarget, failureLimit: number, templates: MetricTemplateLookup): Json | undefined {
  const m = asRecord(value);
  const name = String(m.name ?? "");
  const interval = String(m.interval ?? "1m");
  const range = asRecord(m.thresholdRange);
  if (m.threshold !== undefined && m.thresholdRange === undefined) {
    notes.dropped(`${path}.threshold`, `the deprecated threshold of metric "${name}" is ambiguous (its direction depends on the metric); write thresholdRange`);
    return undefined;
  }
  if (range.min === undefined && range.max === undefined) {
    notes.dropped(`${path}.thresholdRange`, `metric "${name}" has no thresholdRange, so nothing could fail it; left out`);
    return undefined;
  }
  let query: string | undefined;
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
    query = fillTemplate(String(spec.query ?? ""), t, interval, asRecord(m.templateVariables));
    address = provider.address;
  } else if (name === "request-success-rate" || name === "request-duration") {
    query = builtinQuery(name, t, interval);
    if (!query) {
      notes.dropped(`${path}`, `builtin metric "${name}" for provider "${t.provider}" has no query here (istio, linkerd, nginx do); write it as a MetricTemplate`);
      return undefined;
    }
  } else {
    notes.dropped(path, `metric "${name}" is neither a builtin nor a templateRef; left out`);
    return undefined;
  }
  return {
    name: name.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+/, ""),
    interval: duration(interval),
    failureLimit,
    successCondition: { ...(range.min !== undefined ? { min: range.min } : {}), ...(range.max !== undefined ? { max: range.max } : {}) },
    provider: { prometheus: { ...(typeof address === "string" ? { address } : {}), query } },
  };
}
