/**
 * What each side served over a request-judge metric's looks: the sum of the exact differences the judge judged
 * (counter-deltas.ts), so the same requests, no extrapolation, none counted twice, and none from a look that
 * was a new starting point (a counter that went down). Carried from look to look in the measurement's metadata
 * (`served`), so the release report (src/analysis/release-report.ts) is read from the stored run, also after a
 * restart. Pure.
 */
import { addHistograms, type CumulativeBucket, type Histogram } from "./bucket-counts.ts";
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

const isCount = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x >= 0;

function parseSide(raw: unknown): ServedSide | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const side = raw as { requests?: unknown; errors?: unknown; histogram?: { buckets?: unknown; total?: unknown } };
  if (!isCount(side.requests)) return undefined;
  if (side.errors !== undefined && !isCount(side.errors)) return undefined;
  let histogram: Histogram | undefined;
  if (side.histogram !== undefined) {
    const buckets = side.histogram.buckets;
    if (!Array.isArray(buckets) || !isCount(side.histogram.total)) return undefined;
    const parsed: CumulativeBucket[] = [];
    for (const b of buckets as { le?: unknown; count?: unknown }[]) {
      const le = b.le === "+Inf" ? Number.POSITIVE_INFINITY : b.le;
      if (typeof le !== "number" || Number.isNaN(le) || !isCount(b.count)) return undefined;
      parsed.push({ le, count: b.count });
    }
    histogram = { buckets: parsed, total: side.histogram.total };
  }
  return { requests: side.requests, ...(side.errors !== undefined ? { errors: side.errors } : {}), ...(histogram ? { histogram } : {}) };
}

/** The totals back from `serializeServed`; undefined when the text is damaged (a count is never guessed). */
export function parseServed(text: string): Served | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const r = raw as { canary?: unknown; stable?: unknown; looks?: unknown; partial?: unknown };
  const canary = parseSide(r.canary);
  const stable = parseSide(r.stable);
  if (!canary || !stable || !isCount(r.looks)) return undefined;
  return { canary, stable, looks: r.looks, ...(r.partial === true ? { partial: true as const } : {}) };
}
