import assert from "node:assert/strict";
import { test } from "node:test";
import { normalCdf, normalQuantile, normalSurvival } from "../../../src/analysis/judge/normal.ts";

// Quantiles z_p of the standard normal distribution, from the OEIS decimal expansions (A329280 z_0.9,
// A329283 z_0.995, A329286 z_0.9999 read to 17 digits; A092678 z_0.75, A329281 z_0.95, A329282 z_0.99,
// A329284 z_0.999, and z_0.975, the familiar 1.959963984540054, to 16 digits).
const QUANTILES: ReadonlyArray<readonly [p: number, z: number]> = [
  [0.75, 0.6744897501960817],
  [0.9, 1.2815515655446004],
  [0.95, 1.6448536269514722],
  [0.975, 1.959963984540054],
  [0.99, 2.3263478740408408],
  [0.995, 2.5758293035489008],
  [0.999, 3.090232306167814],
  [0.9999, 3.7190164854556806],
];
// Far tail, as printed in OEIS A329285 (z_0.9995) and A329287 (z_0.99999): 10 decimals only.
const TAIL_QUANTILES: ReadonlyArray<readonly [p: number, z: number]> = [
  [0.9995, 3.2905267314],
  [0.99999, 4.2648907939],
];

test("normalQuantile matches published quantiles to 1e-12", () => {
  for (const [p, z] of QUANTILES) {
    assert.ok(Math.abs(normalQuantile(p) - z) < 1e-12, `z_${p}: got ${normalQuantile(p)}, want ${z}`);
    assert.ok(Math.abs(normalQuantile(1 - p) + z) < 1e-12, `z_${1 - p}`);
  }
  for (const [p, z] of TAIL_QUANTILES) {
    assert.ok(Math.abs(normalQuantile(p) - z) < 1e-10, `z_${p}: got ${normalQuantile(p)}, want ${z}`);
  }
});

test("normalCdf inverts the published quantiles, with relative precision in the far tail", () => {
  for (const [p, z] of QUANTILES) {
    assert.ok(Math.abs(normalCdf(z) - p) < 1e-14, `Φ(${z})`);
    // Lower tail: 1 - p can be 1e-6; require 1e-9 relative, which a 1 - Φ(z) computation could not give.
    assert.ok(Math.abs(normalCdf(-z) - (1 - p)) / (1 - p) < 1e-9, `Φ(${-z}) relative`);
    assert.ok(Math.abs(normalSurvival(z) - (1 - p)) / (1 - p) < 1e-9, `1-Φ(${z}) relative`);
  }
});

test("normal functions: symmetry, ends and bad input", () => {
  assert.equal(normalCdf(0), 0.5);
  assert.equal(normalQuantile(0.5), 0);
  assert.equal(normalQuantile(0), Number.NEGATIVE_INFINITY);
  assert.equal(normalQuantile(1), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(normalQuantile(1.5)));
  assert.ok(Number.isNaN(normalCdf(Number.NaN)));
  for (const x of [0.1, 0.7, 1.3, 2.9, 6.5, 8]) assert.ok(Math.abs(normalCdf(x) + normalCdf(-x) - 1) < 1e-15);
  assert.ok(normalCdf(-40) === 0 && normalSurvival(-40) === 1);
});
