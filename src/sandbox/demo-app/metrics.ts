/**
 * The demo app's Prometheus metrics (prom-client), in the conventions the shipped templates expect:
 * `http_request_duration_seconds` (histogram with fine buckets and one at 0.5 s for "fraction slower than
 * 500 ms") and `http_requests_total{code}`, whose 200 and 500 series exist from the start at 0, since a counter
 * never incremented is absent and `errors/total` would be an empty vector instead of 0.
 * The pod-template hash is a constant label on every metric (registry default label), so the tests need no
 * relabeling; in a cluster Prometheus copies the pod label `rollouts-pod-template-hash` the same way.
 */
import { Counter, Histogram, Registry } from "prom-client";

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 1, 2.5, 5];

export interface DemoMetrics {
  readonly registry: Registry;
  observe(code: number, seconds: number): void;
}

export function createDemoMetrics(podTemplateHash: string | undefined): DemoMetrics {
  const registry = new Registry();
  if (podTemplateHash) registry.setDefaultLabels({ rollouts_pod_template_hash: podTemplateHash });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to answer an HTTP request",
    labelNames: ["code"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const requests = new Counter({ name: "http_requests_total", help: "HTTP requests answered", labelNames: ["code"], registers: [registry] });
  for (const code of ["200", "500"]) {
    requests.inc({ code }, 0);
    duration.zero({ code });
  }
  return {
    registry,
    observe(code, seconds) {
      requests.inc({ code: String(code) });
      duration.observe({ code: String(code) }, seconds);
    },
  };
}
