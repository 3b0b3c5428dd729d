/** What the load generator keeps per request. Times are epoch milliseconds with sub-ms precision. */
export interface LoadRecord {
  /** When the request was scheduled to leave (not when it did: see the generator). */
  readonly intendedAt: number;
  /** From `intendedAt` until the whole response was read (or the request failed). */
  readonly latencyMs: number;
  /** HTTP status; 0 = no response (connection error or timeout). */
  readonly status: number;
  /** The version that served (the response's pod-hash header), if it said. */
  readonly version: string | undefined;
  readonly error?: string;
}

/** An answer clients count as failed: no response, or a 5xx. */
export function isError(record: LoadRecord): boolean {
  return record.status === 0 || record.status >= 500;
}

/** Wall-clock now with sub-millisecond resolution (monotonic within the process). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
