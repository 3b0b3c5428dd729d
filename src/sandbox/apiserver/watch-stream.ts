// One watch response: newline-delimited JSON events on a chunked 200 response (client-node
// needs one event per line), optional Table objects (kubectl get -w), periodic BOOKMARKs,
// `timeoutSeconds`, a 410 Expired ERROR event then close for too-old resourceVersions, and
// registration with the fault injector so tests can drop the connection.
import type { ServerResponse } from "node:http";
import { ApiError } from "./errors.ts";
import type { FaultInjector } from "./faults.ts";
import { serialize } from "./http-util.ts";
import type { JsonObject } from "../../util/json.ts";
import { apiVersionOf, storageKeyOf, type ResourceType } from "./resource-type.ts";
import type { ResourceService, WatchOptions } from "./resources.ts";
import type { ServerStats } from "./server-stats.ts";
import { toTable, type IncludeObject } from "./table.ts";
import type { WatchEventType } from "./watch.ts";

export interface WatchStreamOptions {
  res: ServerResponse;
  service: ResourceService;
  type: ResourceType;
  namespace: string | undefined;
  options: WatchOptions;
  table: { includeObject: IncludeObject } | undefined;
  bookmarks: boolean;
  /** Watch-list: after the initial ADDED events, a BOOKMARK annotated k8s.io/initial-events-end. */
  initialEventsEndBookmark?: boolean;
  bookmarkIntervalMs: number;
  timeoutSeconds: number | undefined;
  faults: FaultInjector;
  stats?: ServerStats | undefined;
  now: () => number;
}

/** A watcher whose socket buffers more than this is too slow and is cut (as the real cacher does). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export function streamWatch(o: WatchStreamOptions): void {
  const { res, type } = o;
  let closed = false;
  let headSent = false;
  // The head is written lazily so that request errors found while starting the watch (bad
  // selectors) still get a normal error response instead of a 200 stream.
  const ensureHead = (): void => {
    if (headSent) return;
    headSent = true;
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
    res.flushHeaders();
  };
  let columnsSent = false;
  let stopWatch: (() => void) | undefined;
  const timers = new Set<NodeJS.Timeout>();

  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    stopWatch?.();
    untrack();
    for (const t of timers) clearTimeout(t);
  };
  const end = (): void => {
    cleanup();
    ensureHead();
    if (!res.writableEnded) res.end();
  };
  const untrack = o.faults.trackWatch((graceful) => {
    if (graceful) return end();
    cleanup();
    res.destroy();
  });
  // The response's "close" covers both ends: client gone, or we ended the stream. (The request's
  // "close" is about its body having been consumed, not about the connection.)
  res.on("close", cleanup);

  const write = (line: string): void => {
    if (closed) return;
    ensureHead();
    o.stats?.countWatchEvent(line.length);
    res.write(line);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      cleanup();
      res.destroy();
    }
  };

  const lagMs = o.faults.watchLagFor(storageKeyOf(type.group, type.plural));
  const send = (eventType: WatchEventType, obj: JsonObject): void => {
    if (lagMs > 0) {
      // Equal delays fire in the order they were set: the stream stays in resourceVersion order.
      const copy = structuredClone(obj);
      const t = setTimeout(() => {
        timers.delete(t);
        sendNow(eventType, copy);
      }, lagMs);
      timers.add(t);
      return;
    }
    sendNow(eventType, obj);
  };
  const sendNow = (eventType: WatchEventType, obj: JsonObject): void => {
    if (o.table) {
      const metadata = obj["metadata"];
      const rv = typeof metadata === "object" && metadata !== null && !Array.isArray(metadata) ? metadata["resourceVersion"] : undefined;
      const table = toTable(type, [obj], {
        includeObject: o.table.includeObject,
        omitColumns: columnsSent,
        now: o.now(),
        ...(typeof rv === "string" ? { resourceVersion: rv } : {}),
      });
      columnsSent = true;
      write(`{"type":"${eventType}","object":${JSON.stringify(table)}}\n`);
      return;
    }
    write(`{"type":"${eventType}","object":${serialize(obj)}}\n`);
  };

  try {
    stopWatch = o.service.watch(type, o.namespace, o.options, send);
  } catch (error) {
    if (error instanceof ApiError && error.code === 410) {
      // Too old resourceVersion after the request was accepted: one ERROR
      // event, then close — client-node relists only after the stream ends (sheet §8.2).
      write(`{"type":"ERROR","object":${JSON.stringify(error.toStatus())}}\n`);
      end();
      return;
    }
    cleanup();
    throw error;
  }
  ensureHead();
  if (o.initialEventsEndBookmark) {
    const rv = String(o.service.store.currentRevision());
    write(`{"type":"BOOKMARK","object":{"kind":"${type.kind}","apiVersion":"${apiVersionOf(type)}","metadata":{"resourceVersion":"${rv}","annotations":{"k8s.io/initial-events-end":"true"}}}}\n`);
  }

  if (o.bookmarks) {
    const tick = (): void => {
      if (closed) return;
      const rv = String(o.service.store.currentRevision());
      write(`{"type":"BOOKMARK","object":{"kind":"${type.kind}","apiVersion":"${apiVersionOf(type)}","metadata":{"resourceVersion":"${rv}"}}}\n`);
      schedule();
    };
    const schedule = (): void => {
      if (bookmarkTimer) timers.delete(bookmarkTimer);
      bookmarkTimer = setTimeout(tick, o.bookmarkIntervalMs);
      bookmarkTimer.unref();
      timers.add(bookmarkTimer);
    };
    let bookmarkTimer: NodeJS.Timeout | undefined;
    schedule();
  }
  if (o.timeoutSeconds !== undefined) {
    const t = setTimeout(end, o.timeoutSeconds * 1000);
    t.unref();
    timers.add(t);
  }
}
