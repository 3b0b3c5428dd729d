// Watch protocol over HTTP: newline-delimited events, resume from a resourceVersion, 410
// Expired as an ERROR event, bookmarks, timeoutSeconds, selector transitions, Table events.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { EventRing } from "../../src/sandbox/apiserver/watch.ts";
import { call, meta, startTestServer, widget, WIDGETS } from "./helpers.ts";

let server: ApiServer;
before(async () => {
  server = await startTestServer({ bookmarkIntervalMs: 100 });
});
after(async () => {
  await server.stop();
});

interface WatchEvent {
  type: string;
  object: Record<string, unknown>;
}

/** Open a watch and collect events; `done` resolves when the server ends the stream. */
function openWatch(query: string, headers: Record<string, string> = {}): { events: WatchEvent[]; raw: string[]; done: Promise<number>; close(): void } {
  const events: WatchEvent[] = [];
  const raw: string[] = [];
  const controller = new AbortController();
  const done = (async () => {
    // The server may count the watch before its response headers reach us, so close() can
    // abort the fetch itself: that is a closed watch (status 0), not a failure.
    let res: Response;
    try {
      res = await fetch(`${server.url}${WIDGETS}?watch=true&${query}`, { signal: controller.signal, headers });
    } catch (error) {
      if (controller.signal.aborted) return 0;
      throw error;
    }
    const reader = res.body?.getReader();
    let buffer = "";
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          raw.push(line);
          events.push(JSON.parse(line) as WatchEvent);
        }
      }
    } catch {
      // aborted by close()
    }
    return res.status;
  })();
  return { events, raw, done, close: () => controller.abort() };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("list RV + watch from it streams later changes only, one JSON object per line", async () => {
  await call(server, "POST", WIDGETS, widget("w1", { image: "i" }, { labels: { suite: "resume" } }));
  const list = await call(server, "GET", `${WIDGETS}?labelSelector=suite%3Dresume`);
  const rv = String(meta(list.body)["resourceVersion"]);
  await call(server, "PATCH", `${WIDGETS}/w1`, { spec: { replicas: 2 } }, { "content-type": "application/merge-patch+json" });
  await call(server, "POST", WIDGETS, widget("w2", { image: "i" }, { labels: { suite: "resume" } }));
  const w = openWatch(`resourceVersion=${rv}&labelSelector=suite%3Dresume`);
  await until(() => w.events.length >= 2, "replayed events");
  await call(server, "DELETE", `${WIDGETS}/w2`);
  await until(() => w.events.length >= 3, "live delete");
  w.close();
  assert.deepEqual(w.events.map((e) => `${e.type} ${String(meta(e.object)["name"])}`), ["MODIFIED w1", "ADDED w2", "DELETED w2"]);
  const rvs = w.events.map((e) => Number(meta(e.object)["resourceVersion"]));
  assert.ok(rvs.every((v, i) => i === 0 || v > (rvs[i - 1] ?? 0)), "resourceVersions increase");
  assert.ok(w.raw.every((line) => !line.includes("\n")));
});

test("no resourceVersion: synthetic ADDED for current objects first", async () => {
  await call(server, "POST", WIDGETS, widget("s1", { image: "i" }, { labels: { suite: "synthetic" } }));
  const w = openWatch("labelSelector=suite%3Dsynthetic");
  await until(() => w.events.length >= 1, "initial ADDED");
  w.close();
  assert.equal(w.events[0]?.type, "ADDED");
});

test("too old resourceVersion: HTTP 200, one ERROR event with 410 Expired, then close", async () => {
  await call(server, "POST", WIDGETS, widget("old", { image: "i" }));
  server.compactHistory();
  const w = openWatch("resourceVersion=2");
  const status = await w.done;
  assert.equal(status, 200);
  assert.equal(w.events.length, 1);
  const ev = w.events[0];
  assert.equal(ev?.type, "ERROR");
  assert.equal(ev?.object["kind"], "Status");
  assert.equal(ev?.object["code"], 410);
  assert.equal(ev?.object["reason"], "Expired");
  assert.match(String(ev?.object["message"]), /^too old resource version: 2 \(\d+\)$/);
});

test("bookmarks when allowed, and timeoutSeconds ends the stream", async () => {
  const w = openWatch("allowWatchBookmarks=true&timeoutSeconds=1&labelSelector=suite%3Dnone");
  const status = await w.done;
  assert.equal(status, 200);
  const bookmarks = w.events.filter((e) => e.type === "BOOKMARK");
  assert.ok(bookmarks.length >= 3, `expected bookmarks, got ${w.events.length} events`);
  assert.deepEqual(Object.keys(bookmarks[0]?.object ?? {}).sort(), ["apiVersion", "kind", "metadata"]);
  assert.match(String(meta(bookmarks[0]?.object ?? {})["resourceVersion"]), /^[1-9]\d*$/);
  const plain = openWatch("timeoutSeconds=1&labelSelector=suite%3Dnone");
  await plain.done;
  assert.equal(plain.events.filter((e) => e.type === "BOOKMARK").length, 0, "no bookmarks unless asked");
});

test("label selector transitions become ADDED/DELETED", async () => {
  await call(server, "POST", WIDGETS, widget("sel", { image: "i" }, { labels: { stage: "a" } }));
  const w = openWatch("labelSelector=stage%3Db&resourceVersion=" + String(server.store.currentRevision()));
  await new Promise((r) => setTimeout(r, 50));
  await call(server, "PATCH", `${WIDGETS}/sel`, { metadata: { labels: { stage: "b" } } }, { "content-type": "application/merge-patch+json" });
  await call(server, "PATCH", `${WIDGETS}/sel`, { spec: { replicas: 3 } }, { "content-type": "application/merge-patch+json" });
  await call(server, "PATCH", `${WIDGETS}/sel`, { metadata: { labels: { stage: "c" } } }, { "content-type": "application/merge-patch+json" });
  await until(() => w.events.length >= 3, "transition events");
  w.close();
  assert.deepEqual(w.events.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"]);
});

test("Table watch (kubectl get -w): rows per event, columns only in the first", async () => {
  await call(server, "POST", WIDGETS, widget("tw", { image: "i" }, { labels: { suite: "table" } }));
  const w = openWatch("labelSelector=suite%3Dtable", { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" });
  await until(() => w.events.length >= 1, "initial");
  await call(server, "PATCH", `${WIDGETS}/tw`, { spec: { replicas: 9 } }, { "content-type": "application/merge-patch+json" });
  await until(() => w.events.length >= 2, "update");
  w.close();
  const [first, second] = w.events;
  assert.equal(first?.object["kind"], "Table");
  assert.ok(Array.isArray(first?.object["columnDefinitions"]));
  assert.equal(second?.object["columnDefinitions"], null);
  const cells = (second?.object["rows"] as { cells: unknown[] }[])[0]?.cells;
  assert.equal(cells?.[1], 9);
});

test("watch on an invalid selector is a 400 before streaming", async () => {
  const r = await call(server, "GET", `${WIDGETS}?watch=1&fieldSelector=spec.x%3D1`);
  assert.equal(r.status, 400);
});

test("event ring keeps the newest events and reports what it dropped", () => {
  const ring = new EventRing(3);
  for (let rv = 1; rv <= 5; rv++) ring.push({ type: "ADDED", object: {}, rv, namespace: "" });
  assert.equal(ring.droppedThrough, 2);
  assert.equal(ring.oldestRv(), 3);
  assert.deepEqual(ring.since(3).map((e) => e.rv), [4, 5]);
  assert.deepEqual(ring.since(0).map((e) => e.rv), [3, 4, 5]);
});

test("watch-list: sendInitialEvents streams state, then the initial-events-end bookmark; options validated", async () => {
  await call(server, "POST", WIDGETS, widget("wl", { image: "i" }, { labels: { suite: "watchlist" } }));
  const w = openWatch("sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=&labelSelector=suite%3Dwatchlist");
  await until(() => w.events.length >= 2, "initial events and bookmark");
  w.close();
  assert.equal(w.events[0]?.type, "ADDED");
  assert.equal(w.events[1]?.type, "BOOKMARK");
  assert.deepEqual(meta(w.events[1]?.object ?? {})["annotations"], { "k8s.io/initial-events-end": "true" });
  const bad = await call(server, "GET", `${WIDGETS}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true`);
  assert.equal(bad.status, 422);
  assert.match(String(bad.body["message"]), /sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/);
  const match = await call(server, "GET", `${WIDGETS}?watch=1&resourceVersionMatch=NotOlderThan`);
  assert.equal(match.status, 422);
});

test("a client that goes away releases its watcher", async () => {
  const before = server.faults.openWatchCount();
  const w = openWatch("labelSelector=suite%3Dgone");
  await until(() => server.faults.openWatchCount() === before + 1, "watch registered");
  assert.equal(server.store.bucket("widgets.fixtures.sluice.dev").hub.count() >= 1, true);
  w.close();
  await until(() => server.faults.openWatchCount() === before, "watch released");
});
