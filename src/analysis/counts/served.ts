/**
 * What each side served over a request-judge metric's looks: the sum of the exact differences the judge judged
 * (counter-deltas.ts), so the same requests, no extrapolation, none counted twice, and none from a look that
 * was a new starting point (a counter that went down). Carried from look to look in the measurement's metadata
 * (`served`), so the release report (src/analysis/release-report.ts) is read from the stored run, also after a
 * restart. Pure.
 */
import { z } from "zod";
import { addHistograms, type Histogram } from "./bucket-counts.ts";
import type { RequestLook, SideLook } from "./judge-counts.ts";

/** One side's totals: requests, and errors (an errors metric) or the latency histogram (a latency metric). */
export type ServedSide = { requests: number; errors?: number | undefined; histogram?: Histogram | undefined };

export type Served = {
  canary: ServedSide;
  stable: ServedSide;
  /** Looks whose requests are in the totals (a starting point adds none). */
  looks: number;
  /**
   * The totals start after the metric's first look: its earlier looks were taken before sluice kept them (an
   * upgrade mid-run), so they miss those looks' requests.
   */
  partial?: true | undefined;
};

export const emptyServed = (): Served => ({ canary: { requests: 0 }, stable: { requests: 0 }, looks: 0 });

function addSide(total: ServedSide, look: SideLook): ServedSide {
  const requests = total.requests + Math.max(0, look.requests);
  const errors = look.errors !== undefined || total.errors !== undefined ? (total.errors ?? 0) + Math.max(0, look.errors ?? 0) : undefined;
  const histogram = look.histogram ? (total.histogram ? addHistograms(total.histogram, look.histogram) : look.histogram) : total.histogram;
  return { requests, ...(errors !== undefined ? { errors } : {}), ...(histogram ? { histogram } : {}) };
}

/** The totals after one judged look. */
export function addServed(total: Served, look: RequestLook): Served {
  return { ...total, canary: addSide(total.canary, look.canary), stable: addSide(total.stable, look.stable), looks: total.looks + 1 };
}

/** JSON has no infinities: the +Inf bucket's bound travels as "+Inf". */
export function serializeServed(served: Served): string {
  return JSON.stringify(served, (_key, value: unknown) => (value === Number.POSITIVE_INFINITY ? "+Inf" : value));
}

// What `serializeServed` wrote, read back strictly: counts are finite and never negative, `+Inf` is the +Inf
// bucket's bound, and anything else (a damaged or hand-edited value) is refused rather than guessed at.
const count = z.number().finite().nonnegative();
const bound = z.union([z.literal("+Inf").transform(() => Number.POSITIVE_INFINITY), z.number().finite()]);
const sideSchema = z.object({
  requests: count,
  errors: count.optional(),
  histogram: z.object({ buckets: z.array(z.object({ le: bound, count })), total: count }).optional(),
});
const servedSchema = z.object({ canary: sideSchema, stable: sideSchema, looks: count, partial: z.literal(true).optional() });

const withoutUndefined = (side: z.infer<typeof sideSchema>): ServedSide => ({
  requests: side.requests,
  ...(side.errors !== undefined ? { errors: side.errors } : {}),
  ...(side.histogram ? { histogram: side.histogram } : {}),
});

/** The totals back from `serializeServed`; undefined when the text is damaged (a count is never guessed). */
export function parseServed(text: string): Served | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = servedSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { canary, stable, looks, partial } = parsed.data;
  return { canary: withoutUndefined(canary), stable: withoutUndefined(stable), looks, ...(partial ? { partial } : {}) };
}
