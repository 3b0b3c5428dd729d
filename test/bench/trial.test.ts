/** One trial end to end: determinism, which methods run, and the request judge's hook. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LOOKS, UNIX_EPOCH_OF_START } from "../../bench/judge/looks.ts";
import type { IntervalCounts } from "../../bench/judge/request-judge.ts";
import { SCENARIOS } from "../../bench/judge/scenarios.ts";
import { cellOf, methodsFor, runTrial } from "../../bench/judge/trial.ts";

const scenario = (id: string) => {
  const found = SCENARIOS.find((s) => s.id === id);
  assert.ok(found);
  return found;
};

test("a trial is a pure function of its seed", () => {
  const cell = cellOf(scenario("slowest1"), 0.1);
  assert.deepEqual(runTrial(cell, 42), runTrial(cell, 42));
  assert.notDeepEqual(runTrial(cell, 42).statistics, runTrial(cell, 43).statistics);
});

test("latency scenarios run latency methods, error scenarios error methods, the null both", () => {
  const ran = (id: string) => Object.keys(runTrial(cellOf(scenario(id), 0.5), 1, { requestJudge: undefined }).abortLook).sort();
  assert.deepEqual(ran("median"), ["oracle", "per-step p99", "per-step p99.9"]);
  assert.deepEqual(ran("errors1"), ["oracle", "per-step errors"]);
  assert.deepEqual(ran("null"), ["per-step errors", "per-step p99", "per-step p99.9"]);
  assert.ok(methodsFor(scenario("null")).includes("threshold errors"));
});

test("the request judge's hook gets one interval per look, in order, the last one final, and may abort", () => {
  const seen: { counts: IntervalCounts; final: boolean }[] = [];
  const recordUntilLook = (abortAt: number) => () => ({
    look(counts: IntervalCounts, final: boolean) {
      seen.push({ counts, final });
      return seen.length === abortAt ? ("abort" as const) : ("continue" as const);
    },
  });
  const cell = cellOf(scenario("errors1"), 0.1);
  assert.equal(runTrial(cell, 7, { requestJudge: recordUntilLook(3) }).abortLook["request judge"], 3);
  assert.deepEqual(
    seen.map((s) => s.counts.at - UNIX_EPOCH_OF_START),
    [30, 60, 90],
  );
  seen.length = 0;
  assert.equal(runTrial(cell, 7, { requestJudge: recordUntilLook(Number.POSITIVE_INFINITY) }).abortLook["request judge"], 0);
  assert.equal(seen.length, LOOKS);
  assert.deepEqual(
    seen.map((s) => s.final),
    [...Array<boolean>(LOOKS - 1).fill(false), true],
  );
  // 10 requests/s reach a 10% canary: about 300 per 30 s interval; the stable gets nine times as many.
  const middle = seen[10]?.counts;
  assert.ok(middle && middle.canary.total > 200 && middle.canary.total < 400, `${middle?.canary.total}`);
  assert.ok(middle && middle.stable.total > 2000 && middle.stable.total < 3400, `${middle?.stable.total}`);
});
