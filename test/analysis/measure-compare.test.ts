/** Compare measurements: same time span on both sides. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { commonStart } from "../../src/analysis/measure-compare.ts";

describe("commonStart", () => {
  it("drops the points of the side that started earlier", () => {
    const stable = [[1, 0.1], [2, 0.1], [3, 0.1], [4, 0.1]] as const;
    const canary = [[3, 0.2], [4, 0.2]] as const;
    assert.deepEqual(commonStart(canary, stable), { canary, stable: [[3, 0.1], [4, 0.1]] });
    assert.deepEqual(commonStart(stable, canary), { canary: [[3, 0.1], [4, 0.1]], stable: canary });
  });
  it("leaves an empty side empty (the judge then reports which side had no data)", () => {
    const stable = [[1, 0.1]] as const;
    assert.deepEqual(commonStart([], stable), { canary: [], stable });
  });
});
