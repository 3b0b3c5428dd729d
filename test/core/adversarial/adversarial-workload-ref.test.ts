import { test } from "node:test";
import fc from "fast-check";
import { blueGreenStrategy, historyOf, podCanaryStrategy, runHistory, summary } from "./history.ts";

// Fewer than the other suites: the same step machines, plus a Deployment whose pods serve beside the Rollout's.
const runs = Number(process.env.SLUICE_HISTORIES ?? 1000);

test(`adversarial world, workloadRef (never, onsuccess, progressively): no scale-down of the Deployment takes serving pods below the floor, ${runs} histories each for canary and blue-green`, (t) => {
  fc.assert(fc.property(historyOf(podCanaryStrategy, false, true), (h) => void runHistory(h)), { numRuns: runs });
  fc.assert(fc.property(historyOf(blueGreenStrategy, false, true), (h) => void runHistory(h)), { numRuns: runs });
  t.diagnostic(summary());
});
