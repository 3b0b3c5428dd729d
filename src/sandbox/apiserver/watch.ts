// Per-resource watch fan-out and bounded event history. Watchers are indexed by namespace so an
// event only visits watchers of its namespace plus the all-namespace ones (cheap filtering, no
// O(all watchers) scan); history is a fixed-size ring so memory stays bounded under churn.
import type { JsonObject } from "../../util/json.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: WatchEventType;
  /** New state (for DELETED: the last state, with the deletion's resourceVersion). */
  object: JsonObject;
  /** State before a MODIFIED, to compute selector transitions. */
  previous?: JsonObject;
  rv: number;
  namespace: string;
}

export interface Watcher {
  /** undefined = all namespaces. */
  namespace: string | undefined;
  matches(obj: JsonObject): boolean;
  send(type: WatchEventType, obj: JsonObject): void;
}

/** Bounded ring of recent events for resuming watches from a resourceVersion. */
export class EventRing {
  private readonly buffer: (StoreEvent | undefined)[];
  private start = 0;
  private size = 0;
  /** Highest RV evicted from the ring; a watch from an RV below it has lost events. */
  droppedThrough = 0;

  constructor(capacity: number) {
    this.buffer = new Array<StoreEvent | undefined>(Math.max(1, capacity));
  }

  push(event: StoreEvent): void {
    const capacity = this.buffer.length;
    if (this.size === capacity) {
      const evicted = this.buffer[this.start];
      if (evicted) this.droppedThrough = evicted.rv;
      this.buffer[this.start] = event;
      this.start = (this.start + 1) % capacity;
    } else {
      this.buffer[(this.start + this.size) % capacity] = event;
      this.size++;
    }
  }

  /** Forget all history (tests use this to force 410 Expired). */
  compact(throughRv: number): void {
    this.buffer.fill(undefined);
    this.start = 0;
    this.size = 0;
    this.droppedThrough = Math.max(this.droppedThrough, throughRv);
  }

  oldestRv(): number | undefined {
    return this.size === 0 ? undefined : this.buffer[this.start]?.rv;
  }

  /** Events with rv > afterRv, oldest first (binary search, the ring is RV-ordered). */
  since(afterRv: number): StoreEvent[] {
    const capacity = this.buffer.length;
    const at = (i: number): StoreEvent | undefined => this.buffer[(this.start + i) % capacity];
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const ev = at(mid);
      if (ev !== undefined && ev.rv <= afterRv) lo = mid + 1;
      else hi = mid;
    }
    const out: StoreEvent[] = [];
    for (let i = lo; i < this.size; i++) {
      const ev = at(i);
      if (ev) out.push(ev);
    }
    return out;
  }
}

const ALL = "\u0000all";

export class WatchHub {
  private readonly byNamespace = new Map<string, Set<Watcher>>();

  add(watcher: Watcher): () => void {
    const key = watcher.namespace ?? ALL;
    let set = this.byNamespace.get(key);
    if (!set) {
      set = new Set();
      this.byNamespace.set(key, set);
    }
    set.add(watcher);
    return () => {
      const current = this.byNamespace.get(key);
      current?.delete(watcher);
      if (current?.size === 0) this.byNamespace.delete(key);
    };
  }

  count(): number {
    let n = 0;
    for (const set of this.byNamespace.values()) n += set.size;
    return n;
  }

  dispatch(event: StoreEvent): void {
    const scoped = this.byNamespace.get(event.namespace);
    const all = this.byNamespace.get(ALL);
    if (scoped) for (const w of [...scoped]) deliver(w, event);
    if (all) for (const w of [...all]) deliver(w, event);
  }
}

/**
 * Deliver one event to one watcher, turning selector transitions into ADDED/DELETED like the
 * real cacher does (sheet §8.1).
 */
export function deliver(watcher: Watcher, event: StoreEvent): void {
  const nowMatches = watcher.matches(event.object);
  if (event.type !== "MODIFIED" || event.previous === undefined) {
    if (nowMatches) watcher.send(event.type, event.object);
    return;
  }
  const wasMatching = watcher.matches(event.previous);
  if (nowMatches && wasMatching) watcher.send("MODIFIED", event.object);
  else if (nowMatches) watcher.send("ADDED", event.object);
  else if (wasMatching) {
    const gone = { ...event.previous, metadata: { ...(event.previous["metadata"] as JsonObject), resourceVersion: String(event.rv) } };
    watcher.send("DELETED", gone);
  }
}
