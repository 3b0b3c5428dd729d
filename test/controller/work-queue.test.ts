/** WorkQueue: de-duplication, and a key in failure backoff stays there however many watch events arrive for it. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WorkQueue } from "../../src/controller/work-queue.ts";

/** The next key, or "nothing" if none comes within `ms` (then the queue's next key goes to the abandoned get). */
async function nextWithin(queue: WorkQueue, ms: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve("nothing"), ms)));
  const result = await Promise.race([queue.get(), timeout]);
  clearTimeout(timer);
  return result;
}

describe("WorkQueue", () => {
  it("a watch event for a key in failure backoff waits for the pending retry", async () => {
    const queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 1_000 });
    queue.add("ns/a");
    const key = await queue.get();
    assert.equal(key, "ns/a");
    const failedAt = Date.now();
    assert.equal(queue.addRateLimited("ns/a"), 200);
    queue.done("ns/a");
    queue.add("ns/a"); // an event: our own partial write, a ReplicaSet status change
    queue.add("ns/a");
    const next = queue.get();
    assert.equal(await next, "ns/a");
    const waited = Date.now() - failedAt;
    assert.ok(waited >= 180, `processed again after ${waited} ms: the event bypassed the 200 ms backoff`);
    queue.done("ns/a");
    assert.equal(await nextWithin(queue, 300), "nothing", "the events and the retry make one reconcile");
    queue.shutDown();
  });

  it("a change to the Rollout itself (addNow: a person's promote or abort) does not wait out the backoff, and makes one reconcile", async () => {
    const queue = new WorkQueue({ baseDelayMs: 5_000, maxDelayMs: 5_000 });
    queue.add("ns/a");
    await queue.get();
    queue.addRateLimited("ns/a");
    queue.done("ns/a");
    const before = Date.now();
    queue.addNow("ns/a");
    assert.equal(await nextWithin(queue, 500), "ns/a");
    assert.ok(Date.now() - before < 500);
    queue.done("ns/a");
    assert.equal(await nextWithin(queue, 300), "nothing", "the cancelled retry does not come as well");
    queue.shutDown();
  });

  it("an event while the key is processing waits for the backoff when that reconcile fails", async () => {
    const queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 1_000 });
    queue.add("ns/a");
    await queue.get();
    queue.add("ns/a"); // dirty while processing
    const failedAt = Date.now();
    queue.addRateLimited("ns/a");
    queue.done("ns/a");
    assert.equal(await queue.get(), "ns/a");
    const waited = Date.now() - failedAt;
    assert.ok(waited >= 180, `processed again after ${waited} ms: the event bypassed the 200 ms backoff`);
    queue.shutDown();
  });

  it("success ends the backoff; timed wake-ups (pauses) do not hold events back; other keys are not affected", async () => {
    const queue = new WorkQueue({ baseDelayMs: 300, maxDelayMs: 1_000 });
    queue.add("ns/a");
    await queue.get();
    queue.addRateLimited("ns/a");
    queue.done("ns/a");
    queue.add("ns/b");
    assert.equal(await nextWithin(queue, 50), "ns/b");
    queue.done("ns/b");
    assert.equal(await nextWithin(queue, 500), "ns/a");
    queue.forget("ns/a"); // it succeeded
    queue.addAfter("ns/a", 5_000); // a timed pause
    queue.done("ns/a");
    queue.add("ns/a");
    assert.equal(await nextWithin(queue, 50), "ns/a");
    queue.shutDown();
  });

  it("the default backoff doubles from 0.5 s and stops at 30 s, so a user's promote or abort waits at most that long", () => {
    const queue = new WorkQueue();
    const delays = Array.from({ length: 12 }, () => queue.addRateLimited("ns/a"));
    assert.deepEqual(delays.slice(0, 4), [500, 1000, 2000, 4000]);
    assert.equal(Math.max(...delays), 30_000);
    queue.shutDown();
  });
});
