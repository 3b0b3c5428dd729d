/** Windowed client-side numbers: what clients saw in a time range, overall and per version. */
import { quantileSorted } from "simple-statistics";
import { isError, type LoadRecord } from "./record.ts";

export interface LatencySummary {
  readonly count: number;
  readonly errors: number;
  /** errors / count; 0 when count is 0. */
  readonly errorRate: number;
  /** Latency quantiles in ms; undefined when the window holds no request. */
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  readonly p999: number | undefined;
  readonly max: number | undefined;
}

export interface LoadStats extends LatencySummary {
  /** By the version that served (pod-template hash); requests no version answered are under "unknown". */
  readonly byVersion: Readonly<Record<string, LatencySummary>>;
}

export interface TimeWindow {
  /** Inclusive, epoch ms of the intended send time (default: the beginning). */
  readonly fromMs?: number;
  /** Exclusive (default: no end). */
  readonly toMs?: number;
}

export const UNKNOWN_VERSION = "unknown";

export function summarize(records: readonly LoadRecord[]): LatencySummary {
  const latencies = records.map((r) => r.latencyMs).sort((a, b) => a - b);
  const errors = records.filter(isError).length;
  const q = (p: number): number | undefined => (latencies.length > 0 ? quantileSorted(latencies, p) : undefined);
  return {
    count: records.length,
    errors,
    errorRate: records.length > 0 ? errors / records.length : 0,
    p50: q(0.5),
    p99: q(0.99),
    p999: q(0.999),
    max: latencies.at(-1),
  };
}

/** Requests by when they were meant to be sent, so a stall lands in the window it happened in. */
export function windowStats(records: readonly LoadRecord[], window: TimeWindow = {}): LoadStats {
  const from = window.fromMs ?? -Infinity;
  const to = window.toMs ?? Infinity;
  const inside = records.filter((r) => r.intendedAt >= from && r.intendedAt < to);
  const groups = new Map<string, LoadRecord[]>();
  for (const r of inside) {
    const key = r.version ?? UNKNOWN_VERSION;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  return { ...summarize(inside), byVersion: Object.fromEntries([...groups].map(([version, list]) => [version, summarize(list)])) };
}
