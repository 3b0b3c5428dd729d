/**
 * Durations in specs: Go-style strings ("30s", "5m", "1h30m", "500ms") or a bare integer number of seconds,
 * as Argo Rollouts accepts for pause durations.
 */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a duration, or undefined when the text is not a duration. */
export function durationToMs(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value * 1000 : undefined;
  if (!DURATION_PATTERN.test(value)) return undefined;
  let total = 0;
  for (const part of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(part[1]) * (UNIT_MS[part[2] ?? "s"] ?? 0);
  }
  return Math.round(total);
}

/** Human form of a millisecond count, shortest exact unit mix: 90_000 -> "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  seconds -= h * 3600;
  const m = Math.floor(seconds / 60);
  seconds -= m * 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${seconds || (!h && !m) ? `${seconds}s` : ""}`;
}
