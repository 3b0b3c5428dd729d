import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { pino } from "pino";
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

  it("backs off between conflicts (exponentially, with jitter) and logs each retry with the rollout", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "debug" }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
    const at: number[] = [];
    const result = await withConflictRetry(
      async () => {
        at.push(Date.now());
        if (at.length < 4) throw new ConflictError();
        return "done";
      },
      { attempts: 4, minDelayMs: 40, maxDelayMs: 1_000, log, what: "HTTPRoute shop/web", rollout: "shop/web" },
    );
    assert.equal(result, "done");
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
    assert.ok(gaps[0] !== undefined && gaps[0] >= 35, `first retry after ${gaps[0]} ms: immediate, not backed off`);
    assert.ok((gaps[2] ?? 0) >= 150, `third retry after ${gaps[2]} ms: the delay does not grow (${gaps.join(", ")})`);
    const retries = lines.filter((l) => l.retry === "HTTPRoute shop/web");
    assert.deepEqual(retries.map((l) => l.attempt), [1, 2, 3]);
    for (const l of retries) {
      assert.equal(l.rollout, "shop/web");
      assert.equal(typeof l.delayMs, "number");
    }
  });
});
