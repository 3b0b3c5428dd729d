import { test } from "node:test";
import fc from "fast-check";
import { dynamicStableSubsetStrategy, historyOf, runHistory, subsetCanaryStrategy, summary } from "./history.ts";

// Fewer than the Service-routed world: the decisions are the same, only the traffic paths differ.
const runs = Number(process.env.SLUICE_HISTORIES ?? 1500);

test(`adversarial world, canary by Istio DestinationRule subsets without Services: every invariant holds after every action of ${runs} generated histories`, (t) => {
  fc.assert(fc.property(historyOf(subsetCanaryStrategy, true), (h) => void runHistory(h)), { numRuns: runs });
  t.diagnostic(summary());
});

test(`adversarial world, subsets without Services and dynamicStableScale: every invariant, (g) by the stable subset, after every action of ${runs} generated histories`, (t) => {
  fc.assert(fc.property(historyOf(dynamicStableSubsetStrategy, true), (h) => void runHistory(h)), { numRuns: runs });
  t.diagnostic(summary());
});
