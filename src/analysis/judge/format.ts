/** Number formatting for judge messages: short, and never hiding the sign of a change. */

/** Three significant digits without exponent in the usual range ("212", "0.0123", "1.5e-7"). */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf"; // Prometheus' spelling
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e6) return String(Number(value.toPrecision(3)));
  return value.toExponential(2);
}

export function formatSigned(value: number): string {
  return `${value > 0 && Number.isFinite(value) ? "+" : ""}${formatValue(value)}`;
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return formatValue(fraction);
  const percent = 100 * fraction;
  return `${percent > 0 ? "+" : ""}${percent.toFixed(1)}%`;
}

export function formatPValue(p: number): string {
  if (p >= 0.001) return `p=${Number(p.toPrecision(2))}`;
  if (p >= 1e-4) return `p=${p.toFixed(4)}`;
  return `p=${p.toExponential(1)}`;
}
