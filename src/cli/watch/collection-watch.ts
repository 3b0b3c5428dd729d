/**
 * A live cache of one collection (a path and its selectors) that survives reconnects. client-node's ListWatch
 * does the protocol: it lists once, watches from the last resourceVersion it saw, resumes from there when a
 * stream ends, and on 410 Gone relists, reporting as deleted only what the fresh list no longer holds. Around it,
 * what it leaves out: bookmarks are asked for (so a quiet stream's resourceVersion stays recent enough to resume
 * from), a ListWatch that gave up on an error (it stops on anything but 410) is started again with backoff, and
 * nothing is opened once stopped (a pending reconnect would otherwise keep the CLI process alive).
 */
import { ApiException, ListWatch, Watch, type KubeConfig, type KubernetesListObject } from "@kubernetes/client-node";
import { bodyMessage, type KubeObject } from "../../kube/kube-client.ts";

export type CollectionSource = {
  /** What the collection holds, for messages: "rollouts". */
  plural: string;
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** LIST with the same selectors; items as plain JSON with apiVersion and kind set. */
  list: () => Promise<KubernetesListObject<KubeObject>>;
};

export type CollectionHandlers = {
  /** The cache changed (an event, or a relist that replaced it). */
  onChange: () => void;
  /** The connection failed; `message` says so and when the next attempt is. */
  onError: (message: string) => void;
};

export type CollectionWatch = { objects(): readonly KubeObject[]; stop(): void };

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/** client-node's Watch with bookmarks asked for, a signal when a stream opens, and no new stream once stopped. */
class ResumableWatch extends Watch {
  stopped = false;
  onOpened: () => void = () => undefined;

  override async watch(...[path, query, callback, done]: Parameters<Watch["watch"]>): Promise<AbortController> {
    if (this.stopped) return new AbortController();
    let ended = false;
    const end = (error: unknown) => {
      ended = true;
      done(error);
    };
    try {
      const controller = await super.watch(path, { ...query, allowWatchBookmarks: true }, callback, end);
      // client-node returns once the response started; a refused request has ended by then.
      if (!ended) this.onOpened();
      return controller;
    } catch (error) {
      // Thrown before any request (no cluster, credentials plugin failed): ListWatch would not catch it.
      end(error);
      return new AbortController();
    }
  }
}

function describeError(error: unknown): string {
  if (error instanceof ApiException) return `HTTP ${error.code}: ${bodyMessage(error)}`;
  if (!(error instanceof Error)) return String(error);
  const status = (error as { statusCode?: unknown }).statusCode;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${typeof status === "number" ? `HTTP ${status} ` : ""}${error.message}${cause}`;
}

export function watchCollection(kc: KubeConfig, source: CollectionSource, handlers: CollectionHandlers): CollectionWatch {
  const watch = new ResumableWatch(kc);
  let stopped = false;
  let retryMs = FIRST_RETRY_MS;
  let retryTimer: NodeJS.Timeout | undefined;
  // ListWatch's own pause between reconnects, cut short by stop() so no timer outlives the watch.
  const pauses = new Set<() => void>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        pauses.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      pauses.add(end);
    });
  const informer = new ListWatch<KubeObject>(source.path, watch, source.list, false, source.labelSelector, source.fieldSelector, { delayFn: pause });
  // Backoff is for a server that keeps refusing us; a stream it accepted and later lost starts over at 1 s.
  watch.onOpened = () => (retryMs = FIRST_RETRY_MS);

  const start = () => {
    retryTimer = undefined;
    if (!stopped) informer.start().catch(failed);
  };
  const failed = (error: unknown) => {
    if (stopped) return;
    handlers.onError(`watching ${source.plural}: ${describeError(error)}; reconnecting in ${Math.round(retryMs / 1000)}s`);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(start, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };
  const changed = () => {
    if (!stopped) handlers.onChange();
  };
  informer.on("add", changed);
  informer.on("update", changed);
  informer.on("delete", changed);
  informer.on("error", failed);
  start();

  return {
    objects: () => informer.list(),
    stop() {
      stopped = true;
      watch.stopped = true;
      clearTimeout(retryTimer);
      for (const end of [...pauses]) end();
      void informer.stop();
    },
  };
}
