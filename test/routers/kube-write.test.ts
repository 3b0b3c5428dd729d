import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isConflict, withConflictRetry } from "../../src/routers/kube-write.ts";

class ConflictError extends Error {
  constructor() {
    super("changed while updating");
    this.name = "ConflictError";
  }
}

describe("conflict handling", () => {
  it("recognises the conflict shapes clients throw, and nothing else", () => {
    assert.ok(isConflict(new ConflictError()));
    assert.ok(isConflict(Object.assign(new Error("x"), { statusCode: 409 })));
    assert.ok(isConflict(Object.assign(new Error("x"), { status: 409 })));
    assert.ok(isConflict({ code: 409 }));
    assert.ok(!isConflict(Object.assign(new Error("x"), { status: 404 })));
    assert.ok(!isConflict(new Error("409")));
    assert.ok(!isConflict(undefined));
  });

  it("retries only conflicts, at most the given number of attempts", async () => {
    let calls = 0;
    assert.equal(
      await withConflictRetry(async () => {
        calls++;
        if (calls < 3) throw new ConflictError();
        return "done";
      }),
      "done",
    );
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      withConflictRetry(async () => {
        calls++;
        throw new Error("forbidden");
      }),
      /forbidden/,
    );
    assert.equal(calls, 1, "other errors are not retried");
  });
});
