import assert from "node:assert/strict";
import { test } from "node:test";
import { deltaOf } from "../../../src/analysis/counts/counter-deltas.ts";

const inf = Number.POSITIVE_INFINITY;

test("the requests between two looks are the differences of the counters; the first look is a starting point", () => {
  assert.equal(deltaOf(undefined, { buckets: [{ le: 0.1, count: 5 }, { le: inf, count: 9 }] }, "canary").kind, "start");
  const d = deltaOf({ buckets: [{ le: 0.1, count: 5 }, { le: inf, count: 9 }] }, { buckets: [{ le: 0.1, count: 15 }, { le: inf, count: 30 }] }, "canary");
  assert.equal(d.kind, "look");
  if (d.kind === "look") {
    assert.equal(d.look.requests, 21);
    assert.deepEqual(d.look.histogram?.buckets, [{ le: 0.1, count: 10 }, { le: inf, count: 21 }]);
  }
  assert.deepEqual(deltaOf({ requests: 100, errors: 2 }, { requests: 160, errors: 5 }, "stable"), { kind: "look", look: { requests: 60, errors: 3 } });
});

test("a counter that went down (a restarted or removed pod) starts again instead of judging a guess", () => {
  const down = deltaOf({ buckets: [{ le: 0.1, count: 50 }, { le: inf, count: 90 }] }, { buckets: [{ le: 0.1, count: 3 }, { le: inf, count: 4 }] }, "canary");
  assert.deepEqual(down, { kind: "start", why: "the canary's counters went down (a pod restarted or left); starting again from here" });
  assert.equal(deltaOf({ requests: 100, errors: 2 }, { requests: 10, errors: 0 }, "stable").kind, "start");
  assert.equal(deltaOf({ buckets: [{ le: 0.1, count: 1 }, { le: inf, count: 1 }] }, { buckets: [{ le: 0.2, count: 1 }, { le: inf, count: 1 }] }, "canary").kind, "start", "other buckets");
  assert.equal(deltaOf({ buckets: [{ le: 0.1, count: 1 }, { le: inf, count: 1 }] }, { buckets: [] }, "canary").kind, "start", "the series are gone");
  assert.deepEqual(deltaOf({ buckets: [] }, { buckets: [] }, "canary"), { kind: "look", look: { requests: 0 } }, "nothing served yet");
});
