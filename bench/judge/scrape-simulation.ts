/**
 * One side's counters as Prometheus holds them: every `scrapeInterval` seconds from `phase` on, the cumulative
 * `_bucket{le}` counters (the +Inf one is `_count`, which is also `requests_total`) and `errors_total`.
 *
 * Between two scrapes, the requests landing in bucket bin j are Poisson(rate × dt × P(bin j)), independent across
 * bins and intervals (Poisson arrivals, each request's latency drawn independently), and the errors among the n
 * requests of the interval are Binomial(n, errorRate). Drawing those counts is exact and needs a dozen draws per
 * scrape instead of one per request.
 */
import type { Random } from "../../src/util/seeded-random.ts";
import { binomial, poisson } from "./poisson.ts";

export interface SideTraffic {
  /** Requests per second reaching this side. */
  readonly rate: number;
  /** P(bin j) per bucket bin, in bucket order (binProbabilities). */
  readonly bins: Float64Array;
  readonly errorRate: number;
  /**
   * Seconds of traffic at the same rates before t = 0 already in the counters: 0 for a canary pod that starts at
   * t = 0 (its counters start at 0, which matters to increase()'s zero-point rule), an hour for a stable pod.
   */
  readonly history: number;
}

export interface ScrapedCounters {
  /** Scrape times in seconds since the canary started, ascending (millisecond precision, as in the TSDB). */
  readonly times: Float64Array;
  /** cumulative[j][k]: the `_bucket{le=bounds[j]}` counter at scrape k; the last j is +Inf (`_count`). */
  readonly cumulative: Float64Array[];
  readonly errors: Float64Array;
}

export function simulateScrapes(traffic: SideTraffic, scrapeInterval: number, phase: number, horizon: number, random: Random): ScrapedCounters {
  const scrapes = Math.max(0, Math.floor((horizon - phase) / scrapeInterval) + 1);
  const times = new Float64Array(scrapes);
  const bins = traffic.bins.length;
  const cumulative = Array.from({ length: bins }, () => new Float64Array(scrapes));
  const errors = new Float64Array(scrapes);
  // Counter values before the first scrape: the expected counts of the history (their exact values only have to
  // be large and monotonic in le: increase() never sees them, only differences and the zero-point rule).
  const running = new Float64Array(bins);
  let runningErrors = Math.round(traffic.rate * traffic.history * traffic.errorRate);
  let expectedBelow = 0;
  for (let j = 0; j < bins; j++) {
    expectedBelow += traffic.bins[j] ?? 0;
    running[j] = Math.round(traffic.rate * traffic.history * expectedBelow); // cumulative in le
  }
  const perBin = new Float64Array(bins);
  let previousTime = 0;
  for (let k = 0; k < scrapes; k++) {
    const t = Math.round((phase + k * scrapeInterval) * 1000) / 1000;
    const dt = t - previousTime;
    previousTime = t;
    let requests = 0;
    for (let j = 0; j < bins; j++) {
      const n = poisson(random, traffic.rate * dt * (traffic.bins[j] ?? 0));
      perBin[j] = n;
      requests += n;
    }
    runningErrors += binomial(random, requests, traffic.errorRate);
    let below = 0;
    for (let j = 0; j < bins; j++) {
      below += perBin[j] ?? 0;
      const column = cumulative[j];
      if (column) column[k] = (running[j] ?? 0) + below;
    }
    for (let j = 0; j < bins; j++) running[j] = cumulative[j]?.[k] ?? 0;
    times[k] = t;
    errors[k] = runningErrors;
  }
  return { times, cumulative, errors };
}
