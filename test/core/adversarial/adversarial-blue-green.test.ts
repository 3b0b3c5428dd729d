import { test } from "node:test";
import fc from "fast-check";
import { blueGreenStrategy, historyOf, runHistory, summary } from "./history.ts";

// About a third of the ≥ 10,000 histories each CI run plays (SLUICE_HISTORIES=N for more, e.g. locally).
const runs = Number(process.env.SLUICE_HISTORIES ?? 3000);

test(`adversarial world, blue-green: every invariant holds after every action of ${runs} generated histories`, (t) => {
  fc.assert(fc.property(historyOf(blueGreenStrategy, false), (h) => void runHistory(h)), { numRuns: runs });
  t.diagnostic(summary());
});
