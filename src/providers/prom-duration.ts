/** Prometheus' duration syntax ("30s", "1h30m", "500ms", "2d"), shared by argument escaping and query checks. */

export const PROM_DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** Milliseconds in a Prometheus duration; undefined when the text is not one. */
export function promDurationMs(text: string): number | undefined {
  if (!PROM_DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(amount) * (UNIT_MS[unit ?? ""] ?? 0);
  return total;
}
