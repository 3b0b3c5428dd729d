/** Seeded random numbers and default settings for the judge's tests and bench: runs repeat exactly. */

import type { Compare } from "../../../src/api/metric.ts";
import { seededRandom } from "../../../src/util/seeded-random.ts";

export { seededRandom };

/** Standard normal draws (Box-Muller). */
export function normalSampler(random: () => number): () => number {
  return () => {
    const u = 1 - random(); // (0, 1]: log(0) never happens
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** Latency-like positive values: median `median`, log-scale spread `sigma`. */
export function logNormalSampler(random: () => number, median: number, sigma: number): () => number {
  const z = normalSampler(random);
  return () => median * Math.exp(sigma * z());
}

/** Compare settings as the schema defaults them, with `over` applied: what every judge test starts from. */
export const compareSettings = (over: Partial<Compare> = {}): Compare => ({
  query: "q",
  direction: "increase",
  confidence: 0.98,
  critical: false,
  minSamples: 50,
  step: "10s",
  sequential: true,
  ...over,
});
