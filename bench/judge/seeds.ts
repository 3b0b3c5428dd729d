/**
 * One independent seed per trial, from the run's seed and the trial's coordinates, so any cell (or --only
 * subset, or worker split) replays exactly the same trials as the full run.
 */

/** murmur3's 32-bit finaliser: good avalanche, so neighbouring coordinates give unrelated seeds. */
function mix(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Streams keep the calibration's null trials apart from the null cell's (an honest out-of-sample check). */
export type SeedStream = "cell" | "calibration";

export function trialSeed(runSeed: number, stream: SeedStream, scenarioIndex: number, shareIndex: number, trial: number): number {
  let h = mix(runSeed ^ 0x9e3779b9);
  for (const part of [stream === "cell" ? 1 : 2, scenarioIndex, shareIndex, trial]) h = mix(h ^ mix(part + 0x7f4a7c15));
  return h;
}
