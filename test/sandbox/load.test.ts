/**
 * The open-loop load generator: constant rate, latency from the intended send time (so a stall shows in
 * every request scheduled during it), bounds, 127.0.0.1 only, and windowed stats per version.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { LoadTargetError, startLoad, windowStats, type LoadRecord } from "../../src/sandbox/load/index.ts";

const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Blocking on purpose: a stall of the whole process, client included.
  }
}

describe("open-loop load generator", () => {
  it("sends at a constant rate, bounded by count and time", async () => {
    const url = await serve((_req, res) => res.end("ok"));
    const byCount = await startLoad({ url, ratePerSecond: 200, durationMs: 5_000, maxRequests: 50 }).done;
    assert.equal(byCount.length, 50);
    const t0 = Date.now();
    const load = startLoad({ url, ratePerSecond: 200, durationMs: 500 });
    const byTime = await load.done;
    assert.equal(byTime.length, 100);
    assert.ok(Date.now() - t0 < 1_500, "bounded in time");
    const intended = byTime.map((r) => r.intendedAt).sort((a, b) => a - b);
    const gaps = intended.slice(1).map((t, i) => t - (intended[i] as number));
    assert.ok(gaps.every((g) => Math.abs(g - 5) < 1e-6), "intended times are exactly 1/rate apart");
    assert.ok(byTime.every((r) => r.status === 200));
  });

  it("a server stall of 500 ms shows in the latency of every request scheduled during it", async () => {
    let stallUntil = 0;
    let stallFrom = Infinity;
    const url = await serve((_req, res) => {
      const now = Date.now();
      // The server freezes once: everything arriving in the window waits for its end.
      if (now >= stallFrom && now < stallUntil) setTimeout(() => res.end("late"), stallUntil - now);
      else res.end("ok");
    });
    const load = startLoad({ url, ratePerSecond: 200, durationMs: 1_500 });
    stallFrom = load.startedAt + 500;
    stallUntil = stallFrom + 500;
    const records = await load.done;
    const during = records.filter((r) => r.intendedAt >= stallFrom + 10 && r.intendedAt < stallUntil - 10);
    assert.ok(during.length >= 90, `about 100 requests were due during the stall (${during.length})`);
    for (const r of during) assert.ok(r.latencyMs >= stallUntil - r.intendedAt - 15, `request at +${(r.intendedAt - stallFrom).toFixed(0)} ms took only ${r.latencyMs.toFixed(1)} ms`);
    const stall = load.stats({ fromMs: stallFrom, toMs: stallUntil });
    assert.ok((stall.p50 ?? 0) > 150, `median during the stall ${stall.p50}`);
    assert.ok((stall.max ?? 0) > 450);
    // Afterwards: back to fast. The median, not the p99: on a shared 2-core CI machine another test's burst can
    // slow a few requests of this one, and that is not what this test is about.
    const afterwards = load.stats({ fromMs: stallUntil + 100 });
    assert.ok((afterwards.p50 ?? Infinity) < 50, `fast again afterwards (p50 ${afterwards.p50}, p99 ${afterwards.p99})`);
  });

  it("a stall of the client's own process is not hidden: latency runs from the intended send time", async () => {
    const url = await serve((_req, res) => res.end("ok"));
    const load = startLoad({ url, ratePerSecond: 200, durationMs: 1_200 });
    let blockedFrom = 0;
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        blockedFrom = performance.timeOrigin + performance.now();
        busyWait(500);
        resolve();
      }, 400),
    );
    const blockedUntil = blockedFrom + 500;
    const records = await load.done;
    const during = records.filter((r) => r.intendedAt > blockedFrom + 5 && r.intendedAt < blockedUntil - 5);
    assert.ok(during.length >= 90, `requests due while blocked were still sent (${during.length})`);
    for (const r of during) assert.ok(r.latencyMs >= blockedUntil - r.intendedAt - 5, "latency includes the time the request could not leave");
    assert.ok((load.stats({ fromMs: blockedFrom, toMs: blockedUntil }).p50 ?? 0) > 150);
  });

  it("splits stats by the version that served, with errors and windows", async () => {
    let n = 0;
    const url = await serve((_req, res) => {
      n++;
      const canary = n % 4 === 0;
      // Every 5th canary answer is a 500: 5% of all requests, 20% of the canary's.
      const fail = canary && (n / 4) % 5 === 0;
      res.writeHead(fail ? 500 : 200, { "x-sluice-pod-hash": canary ? "canary1" : "stable1" }).end();
    });
    const load = startLoad({ url, ratePerSecond: 400, durationMs: 1_000 });
    const records = await load.done;
    const stats = load.stats();
    assert.equal(stats.count, 400);
    assert.equal(stats.byVersion["canary1"]?.count, 100);
    assert.equal(stats.byVersion["stable1"]?.count, 300);
    assert.equal(stats.byVersion["canary1"]?.errors, 20);
    assert.equal(stats.byVersion["canary1"]?.errorRate, 0.2);
    assert.equal(stats.byVersion["stable1"]?.errors, 0);
    assert.equal(stats.errorRate, 0.05);
    const half = windowStats(records, { fromMs: load.startedAt, toMs: load.startedAt + 500 });
    assert.equal(half.count, 200, "a window counts requests by intended time");
    assert.deepEqual(windowStats([], {}).p99, undefined);
  });

  it("records failures and timeouts as status 0, and refuses targets other than 127.0.0.1", async () => {
    const url = await serve(() => undefined);
    const records: readonly LoadRecord[] = await startLoad({ url, ratePerSecond: 100, durationMs: 100, timeoutMs: 200 }).done;
    assert.equal(records.length, 10);
    // Timers may fire a millisecond early by the precise clock; the point is that the wait counts in full.
    for (const r of records) assert.ok(r.status === 0 && r.error === "timeout" && r.latencyMs >= 195, JSON.stringify(r));
    assert.throws(() => startLoad({ url: "http://example.com/", ratePerSecond: 1, durationMs: 1 }), LoadTargetError);
    assert.throws(() => startLoad({ url: "http://10.0.0.1:80/", ratePerSecond: 1, durationMs: 1 }), LoadTargetError);
  });
});
