/**
 * Requests as Prometheus counts them, for the request judge's tests: Poisson arrivals, log-normal latency on
 * prom-client's default buckets, Bernoulli errors. Exact and cheap: the requests of an interval that land in a
 * bucket are Poisson(rate × seconds × P(bucket)), independent across buckets.
 */
import { histogramOf, type Histogram } from "../../../src/analysis/counts/bucket-counts.ts";
import { normalCdf, normalQuantile } from "../../../src/analysis/judge/normal.ts";
import type { SideLook } from "../../../src/analysis/counts/judge-counts.ts";

export const PROM_CLIENT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Latency = { median: number; sigma: number; scale?: number; slowest?: { fraction: number; factor: number } };

/** P(latency ≤ x) for the log-normal, scaled, with its slowest `fraction` of requests `factor` times slower. */
export function latencyCdf(l: Latency, x: number): number {
  const base = (y: number) => (y <= 0 ? 0 : normalCdf(Math.log(y / l.median) / l.sigma));
  const scaled = (y: number) => base(y / (l.scale ?? 1));
  if (!l.slowest) return scaled(x);
  const t = (l.scale ?? 1) * l.median * Math.exp(l.sigma * normalQuantile(1 - l.slowest.fraction));
  // Requests at or below t are as before; those above t take factor × as long.
  return scaled(Math.min(x, t)) + Math.max(0, scaled(x / l.slowest.factor) - scaled(t));
}

export function poisson(random: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normalQuantile(Math.min(1 - 1e-12, Math.max(1e-12, random())))));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

/** One side's look: `rate` requests per second for `seconds`, errors at `errorRate`. */
export function sideLook(random: () => number, rate: number, seconds: number, latency: Latency, errorRate: number): SideLook {
  const bounds = [...PROM_CLIENT_BUCKETS, Number.POSITIVE_INFINITY];
  let cumulative = 0;
  let previous = 0;
  const raw = bounds.map((le) => {
    const p = Number.isFinite(le) ? latencyCdf(latency, le) : 1;
    cumulative += poisson(random, rate * seconds * Math.max(0, p - previous));
    previous = p;
    return { le, count: cumulative };
  });
  const histogram = histogramOf(raw, "side") as Histogram;
  let errors = 0;
  for (let i = 0; i < histogram.total; i++) if (random() < errorRate) errors++;
  return { requests: histogram.total, errors, histogram };
}

/**
 * Binomial(n, p), exactly and in O(np) steps: the gaps between successes are geometric, so jump from one to the
 * next (L. Devroye, "Non-Uniform Random Variate Generation", 1986, §X.4) instead of flipping every request.
 */
export function binomial(random: () => number, n: number, p: number): number {
  if (p <= 0 || n <= 0) return 0;
  if (p >= 1) return n;
  const logMiss = Math.log1p(-p);
  let k = 0;
  for (let at = 0; ; k++) {
    at += Math.floor(Math.log(1 - random()) / logMiss) + 1; // 1 - random() is in (0, 1]
    if (at > n) return k;
  }
}
