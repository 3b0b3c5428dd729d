/**
 * Secret argument values masked out of a measurement before it is stored or logged. Sluice's own messages never
 * quote a secret value (promql-args.ts), but Prometheus' can: an execution error lists the series it could not
 * match, labels included, and a label may hold the value. So every text of the measurement has each secret
 * value replaced, in the spellings it can come back in: as is, JSON/Go-quoted, escaped for a PromQL string or
 * regex, and base64. Values shorter than MIN_MASKED characters are left alone: they cannot be told from
 * ordinary text, and masking them would garble every message.
 */
import type { Measurement } from "../api/analysis-run.ts";
import { REGEX_META } from "../providers/promql-args.ts";
import type { ResolvedArgs } from "../providers/types.ts";

export const MIN_MASKED = 4;

function spellings(value: string): string[] {
  const quoted = (text: string) => text.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
  const regex = value.replace(REGEX_META, "\\$&");
  const all = [value, JSON.stringify(value).slice(1, -1), quoted(value), regex, quoted(regex), Buffer.from(value).toString("base64")];
  // Longest first, so a longer spelling is not left half-masked by a shorter one inside it.
  return [...new Set(all)].filter((s) => s.length >= MIN_MASKED).sort((a, b) => b.length - a.length);
}

/** Replaces every spelling of every secret value in `text` with `[secret arg NAME]`. */
export function maskText(text: string, args: ResolvedArgs): string {
  let out = text;
  for (const name of args.secrets.keys()) {
    const value = args.values.get(name);
    if (value === undefined) continue;
    for (const spelling of spellings(value)) out = out.replaceAll(spelling, `[secret arg ${name}]`);
  }
  return out;
}

export function maskMeasurement(measurement: Measurement, args: ResolvedArgs): Measurement {
  if (args.secrets.size === 0) return measurement;
  const mask = (text: string) => maskText(text, args);
  return {
    ...measurement,
    ...(measurement.message !== undefined ? { message: mask(measurement.message) } : {}),
    ...(measurement.value !== undefined ? { value: mask(measurement.value) } : {}),
    ...(measurement.warnings ? { warnings: measurement.warnings.map(mask) } : {}),
    ...(measurement.metadata ? { metadata: Object.fromEntries(Object.entries(measurement.metadata).map(([k, v]) => [k, mask(v)])) } : {}),
  };
}
