/** Seeded choices for the chaos runner, so a seed replays the same schedule of faults. */
import { seededRandom, type Random } from "../../src/util/seeded-random.ts";

export type Chooser = {
  readonly random: Random;
  /** A number in [min, max). */
  between(min: number, max: number): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A non-empty random subset, in the original order. */
  subset<T>(items: readonly T[]): T[];
  chance(p: number): boolean;
  /** An independent chooser for one part of the run (derived from this seed and `label`). */
  fork(label: string): Chooser;
};

/** FNV-1a of the label mixed with the seed: forks that do not shift when another part draws more numbers. */
function mix(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const ch of label) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export function chooser(seed: number): Chooser {
  const random = seededRandom(seed);
  const self: Chooser = {
    random,
    between: (min, max) => min + random() * (max - min),
    int: (min, max) => min + Math.floor(random() * (max - min + 1)),
    pick: (items) => {
      const item = items[Math.floor(random() * items.length)];
      if (item === undefined) throw new RangeError("pick from an empty list");
      return item;
    },
    subset: (items) => {
      const chosen = items.filter(() => random() < 0.5);
      return chosen.length > 0 ? chosen : [self.pick(items)];
    },
    chance: (p) => random() < p,
    fork: (label) => chooser(mix(seed, label)),
  };
  return self;
}
