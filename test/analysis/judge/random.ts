/** Seeded random numbers for the judge's tests and bench: runs repeat exactly. */

/** mulberry32: a small 32-bit generator, good enough for simulations of this size. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
