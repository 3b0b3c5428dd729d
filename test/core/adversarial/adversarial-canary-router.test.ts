import { test } from "node:test";
import fc from "fast-check";
import { dynamicStableCanaryStrategy, routedCanaryStrategy, historyOf, runHistory, summary } from "./history.ts";

// About a third of the ≥ 10,000 histories each CI run plays (SLUICE_HISTORIES=N for more, e.g. locally).
const runs = Number(process.env.SLUICE_HISTORIES ?? 4000);

test(`adversarial world, canary with a router: every invariant holds after every action of ${runs} generated histories`, (t) => {
  fc.assert(fc.property(historyOf(routedCanaryStrategy, true), (h) => void runHistory(h)), { numRuns: runs });
  t.diagnostic(summary());
});

test(`adversarial world, canary with a router and dynamicStableScale: stable never carries more than its available pods (g), through ${Math.round(runs / 4)} generated histories`, (t) => {
  fc.assert(fc.property(historyOf(dynamicStableCanaryStrategy, true), (h) => void runHistory(h)), { numRuns: Math.round(runs / 4) });
  t.diagnostic(summary());
});
