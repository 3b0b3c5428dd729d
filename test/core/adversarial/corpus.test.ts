/**
 * Shrunk failing histories the adversarial suite found, kept as regression tests: each one broke an invariant
 * (or never settled) before the fix its `found` line names, and must pass for good.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runHistory, type History } from "./history.ts";

const corpus = JSON.parse(readFileSync(join(import.meta.dirname, "corpus.json"), "utf8")) as { found: string; history: History }[];

for (const [i, entry] of corpus.entries()) {
  test(`adversarial corpus #${i + 1}: ${entry.found}`, () => {
    runHistory(entry.history);
  });
}
