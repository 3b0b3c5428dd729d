/**
 * The share test: exact against worked values, a true (super)martingale by enumeration, and its false-abort rate
 * bounded by α however often it looks, at any traffic split, by simulation.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { emptyShareState, logLikelihoodRatio, logNormaliser, RHOS, shareEValue, updateShare, type ShareState } from "../../../src/analysis/counts/share-test.ts";
import { seededRandom } from "../../../src/util/seeded-random.ts";

const choose = (n: number, k: number): number => {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
};

test("at odds ratio 1 the normaliser is C(nc + ns, m) (Vandermonde), so the pmf is the hypergeometric", () => {
  for (const [nc, ns, m] of [[5, 10, 4], [30, 270, 12], [1, 1, 1], [50, 50, 60]] as const) {
    assert.ok(Math.abs(logNormaliser(nc, ns, m, 0) - Math.log(choose(nc + ns, m))) < 1e-9, `${nc} ${ns} ${m}`);
  }
  // Worked: 5 canary and 10 stable requests, 4 bad, 2 of them on the canary: C(5,2)·C(10,2)/C(15,4) = 450/1365.
  const p = Math.exp(Math.log(choose(5, 2) * choose(10, 2)) - logNormaliser(5, 10, 4, 0));
  assert.ok(Math.abs(p - 450 / 1365) < 1e-12);
  // Odds ratio 3: P(k) ∝ C(5,k)C(10,4-k)3^k, normaliser 210 + 600·3 + 450·9 + 100·27 + 5·81 = 9165.
  assert.ok(Math.abs(logNormaliser(5, 10, 4, Math.log(3)) - Math.log(9165)) < 1e-9);
});

/** E[likelihood ratio] under Fisher's noncentral hypergeometric at odds ratio ω, by enumerating k. */
function expectedRatio(nc: number, ns: number, m: number, omega: number, omega0: number, omega1: number): number {
  const logZ = logNormaliser(nc, ns, m, Math.log(omega));
  let sum = 0;
  for (let k = Math.max(0, m - ns); k <= Math.min(m, nc); k++) {
    const p = Math.exp(Math.log(choose(nc, k) * choose(ns, m - k)) + k * Math.log(omega) - logZ);
    sum += p * Math.exp(logLikelihoodRatio(k, nc, ns, m, omega0, omega1));
  }
  return sum;
}

test("each look's likelihood ratio has expectation exactly 1 at the null's odds ratio, and below 1 for a better canary", () => {
  for (const [nc, ns, m] of [[10, 90, 7], [50, 50, 30], [5, 95, 3], [20, 180, 40]] as const) {
    for (const omega0 of [1, 1.1, 1.5]) {
      for (const rho of RHOS) {
        const atNull = expectedRatio(nc, ns, m, omega0, omega0, omega0 * rho);
        assert.ok(Math.abs(atNull - 1) < 1e-9, `E = ${atNull} at the null (${nc},${ns},${m}, ω0 ${omega0}, ρ ${rho})`);
        assert.ok(expectedRatio(nc, ns, m, omega0 * 0.7, omega0, omega0 * rho) < 1, "a better canary: supermartingale");
      }
    }
  }
});

function binomial(random: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

/** Looks until the e-value reaches 1/α (true) or the looks run out. */
function everRejects(random: () => number, looks: number, perLook: number, canaryShare: number, pStable: number, pCanary: number, alpha: number, allowance = 0): boolean {
  let state: ShareState = emptyShareState();
  for (let t = 0; t < looks; t++) {
    // The split wanders from look to look (traffic is never steady): the test must not care.
    const share = Math.min(0.9, Math.max(0.02, canaryShare * (0.5 + random())));
    const nc = binomial(random, perLook, share);
    const ns = perLook - nc;
    state = updateShare(state, { canaryRequests: nc, stableRequests: ns, canaryBad: binomial(random, nc, pCanary), stableBad: binomial(random, ns, pStable) }, allowance);
    if (shareEValue(state) >= 1 / alpha) return true;
  }
  return false;
}

test("no worse canary: at most α false aborts over 40 looks, at 5/95, 10/90 and 50/50 splits, for rare and common bad requests", () => {
  const random = seededRandom(11);
  const alpha = 0.02;
  for (const share of [0.05, 0.1, 0.5]) {
    for (const p of [0.01, 0.5]) {
      const runs = 400;
      let aborts = 0;
      for (let r = 0; r < runs; r++) if (everRejects(random, 40, 200, share, p, p, alpha)) aborts++;
      // α = 2% plus three standard errors of a 400-run estimate.
      assert.ok(aborts / runs <= alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / runs), `share ${share}, p ${p}: ${aborts}/${runs} false aborts`);
    }
  }
});

test("the allowance is part of the hypothesis: a canary exactly at the allowed odds ratio is not aborted more than α", () => {
  const random = seededRandom(12);
  const pStable = 0.01;
  const allowance = 0.5;
  // Odds ratio exactly 1.5: the boundary of the null.
  const oddsCanary = 1.5 * (pStable / (1 - pStable));
  const pCanary = oddsCanary / (1 + oddsCanary);
  let aborts = 0;
  const runs = 400;
  for (let r = 0; r < runs; r++) if (everRejects(random, 40, 400, 0.1, pStable, pCanary, 0.02, allowance)) aborts++;
  assert.ok(aborts / runs <= 0.02 + 3 * Math.sqrt((0.02 * 0.98) / runs), `${aborts}/${runs}`);
});

test("a canary with ten times the errors at a 10/90 split is caught within a few looks", () => {
  const random = seededRandom(13);
  let caught = 0;
  for (let r = 0; r < 200; r++) if (everRejects(random, 10, 3000, 0.1, 0.001, 0.01, 0.02)) caught++;
  assert.ok(caught >= 190, `${caught}/200`);
});

test("looks without bad requests, or with an idle side, change nothing; fractional counts are rounded", () => {
  const s0 = emptyShareState();
  const s1 = updateShare(s0, { canaryBad: 0, stableBad: 0, canaryRequests: 100, stableRequests: 900 });
  assert.deepEqual(s1.logProducts, s0.logProducts);
  const s2 = updateShare(s1, { canaryBad: 0, stableBad: 2, canaryRequests: 0, stableRequests: 900 });
  assert.deepEqual(s2.logProducts, s0.logProducts);
  const a = updateShare(s0, { canaryBad: 2.6, stableBad: 4.2, canaryRequests: 99.7, stableRequests: 900.4 });
  const b = updateShare(s0, { canaryBad: 3, stableBad: 4, canaryRequests: 100, stableRequests: 900 });
  assert.deepEqual(a.logProducts, b.logProducts);
  assert.equal(shareEValue(s0), 1);
});

test("each look is tested against its own allowance; an infinite one counts the requests and gathers no evidence", () => {
  const a = { canaryBad: 6, stableBad: 20, canaryRequests: 1000, stableRequests: 9000 };
  const b = { canaryBad: 9, stableBad: 15, canaryRequests: 1200, stableRequests: 8800 };
  const both = updateShare(updateShare(emptyShareState(), a, 1.4), b, 0.7);
  RHOS.forEach((rho, i) => {
    const expected = logLikelihoodRatio(6, 1000, 9000, 26, 2.4, 2.4 * rho) + logLikelihoodRatio(9, 1200, 8800, 24, 1.7, 1.7 * rho);
    assert.ok(Math.abs((both.logProducts[i] ?? 0) - expected) < 1e-9, `ρ ${rho}`);
  });
  const counted = updateShare(both, a, Number.POSITIVE_INFINITY);
  assert.deepEqual(counted.logProducts, both.logProducts);
  assert.deepEqual([counted.looks, counted.canaryBad, counted.stableBad, counted.canaryRequests, counted.stableRequests], [3, 21, 55, 3200, 26800]);
});
