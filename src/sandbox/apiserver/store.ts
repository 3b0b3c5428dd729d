// The object store: one bucket per stored resource (keyed `plural.group`), each a Map from
// `namespace/name` to the object, plus a bounded event ring and a watch hub. A single global
// counter hands out resourceVersions (decimal, starting above 0, strictly increasing).
// Stored objects are treated as immutable: writers always store a fresh object.
import { randomUUID } from "node:crypto";
import { isObject, type JsonObject } from "../../util/json.ts";
import { EventRing, WatchHub, type StoreEvent } from "./watch.ts";

export interface ObjectLocation {
  storageKey: string;
  namespace: string;
  name: string;
}

export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function metadataOf(obj: JsonObject): JsonObject {
  const m = obj["metadata"];
  return isObject(m) ? m : {};
}

export function nameOf(obj: JsonObject): string {
  const n = metadataOf(obj)["name"];
  return typeof n === "string" ? n : "";
}

export function namespaceOf(obj: JsonObject): string {
  const n = metadataOf(obj)["namespace"];
  return typeof n === "string" ? n : "";
}

export function uidOf(obj: JsonObject): string {
  const u = metadataOf(obj)["uid"];
  return typeof u === "string" ? u : "";
}

export function ownerUidsOf(obj: JsonObject): string[] {
  const refs = metadataOf(obj)["ownerReferences"];
  if (!Array.isArray(refs)) return [];
  return refs.flatMap((r) => (isObject(r) && typeof r["uid"] === "string" ? [r["uid"]] : []));
}

export class Bucket {
  readonly items = new Map<string, JsonObject>();
  /** namespace → name → object, so namespaced lists do not scan the whole resource. */
  readonly byNamespace = new Map<string, Map<string, JsonObject>>();
  readonly history: EventRing;
  readonly hub = new WatchHub();
  constructor(historySize: number) {
    this.history = new EventRing(historySize);
  }
}

export type StoreListener = (storageKey: string, event: StoreEvent) => void;

export interface StoreOptions {
  /** Events kept per resource for watch resumption (default 10,000). */
  historySize?: number;
}

export class Store {
  private revision = 1;
  private readonly buckets = new Map<string, Bucket>();
  private readonly byUid = new Map<string, ObjectLocation>();
  /** owner uid → set of dependent location keys (`storageKey\0ns/name`). */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly listeners = new Set<StoreListener>();
  private readonly historySize: number;

  constructor(options: StoreOptions = {}) {
    this.historySize = options.historySize ?? 10_000;
  }

  currentRevision(): number {
    return this.revision;
  }

  nextRevision(): number {
    this.revision += 1;
    return this.revision;
  }

  newUid(): string {
    return randomUUID();
  }

  bucket(storageKey: string): Bucket {
    let b = this.buckets.get(storageKey);
    if (!b) {
      b = new Bucket(this.historySize);
      this.buckets.set(storageKey, b);
    }
    return b;
  }

  storageKeys(): string[] {
    return [...this.buckets.keys()];
  }

  onEvent(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(storageKey: string, namespace: string, name: string): JsonObject | undefined {
    return this.buckets.get(storageKey)?.items.get(objectKey(namespace, name));
  }

  locate(uid: string): ObjectLocation | undefined {
    return this.byUid.get(uid);
  }

  getByUid(uid: string): JsonObject | undefined {
    const loc = this.byUid.get(uid);
    return loc ? this.get(loc.storageKey, loc.namespace, loc.name) : undefined;
  }

  dependentsOf(uid: string): ObjectLocation[] {
    const set = this.dependents.get(uid);
    if (!set) return [];
    return [...set].map((k) => {
      const [storageKey = "", rest = ""] = k.split("\u0000");
      const slash = rest.indexOf("/");
      return { storageKey, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
    });
  }

  list(storageKey: string, namespace: string | undefined): JsonObject[] {
    const bucket = this.buckets.get(storageKey);
    if (!bucket) return [];
    const out: JsonObject[] = [];
    if (namespace === undefined) {
      for (const obj of bucket.items.values()) out.push(obj);
    } else {
      const scoped = bucket.byNamespace.get(namespace);
      if (scoped) for (const obj of scoped.values()) out.push(obj);
    }
    return out;
  }

  count(storageKey: string): number {
    return this.buckets.get(storageKey)?.items.size ?? 0;
  }

  /** Store `obj` (already fully prepared, including metadata.resourceVersion = String(rv)). */
  put(storageKey: string, obj: JsonObject, rv: number): void {
    const bucket = this.bucket(storageKey);
    const namespace = namespaceOf(obj);
    const name = nameOf(obj);
    const key = objectKey(namespace, name);
    const previous = bucket.items.get(key);
    bucket.items.set(key, obj);
    let scoped = bucket.byNamespace.get(namespace);
    if (!scoped) {
      scoped = new Map();
      bucket.byNamespace.set(namespace, scoped);
    }
    scoped.set(name, obj);
    const uid = uidOf(obj);
    this.byUid.set(uid, { storageKey, namespace, name });
    this.reindexOwners(storageKey, key, previous, obj);
    const event: StoreEvent = previous
      ? { type: "MODIFIED", object: obj, previous, rv, namespace }
      : { type: "ADDED", object: obj, rv, namespace };
    this.emit(storageKey, bucket, event);
  }

  /** Remove and emit DELETED carrying the last state with the deletion's resourceVersion. */
  remove(storageKey: string, namespace: string, name: string, finalState?: JsonObject): JsonObject | undefined {
    const bucket = this.buckets.get(storageKey);
    const key = objectKey(namespace, name);
    const previous = bucket?.items.get(key);
    if (!bucket || !previous) return undefined;
    bucket.items.delete(key);
    const scoped = bucket.byNamespace.get(namespace);
    scoped?.delete(name);
    if (scoped?.size === 0) bucket.byNamespace.delete(namespace);
    this.byUid.delete(uidOf(previous));
    this.reindexOwners(storageKey, key, previous, undefined);
    const rv = this.nextRevision();
    const base = finalState ?? previous;
    const last: JsonObject = { ...base, metadata: { ...metadataOf(base), resourceVersion: String(rv) } };
    this.emit(storageKey, bucket, { type: "DELETED", object: last, rv, namespace });
    return last;
  }

  /** Drop all history so that watches from any older RV get 410 Expired (test hook). */
  compactHistory(): void {
    for (const bucket of this.buckets.values()) bucket.history.compact(this.revision);
  }

  private emit(storageKey: string, bucket: Bucket, event: StoreEvent): void {
    bucket.history.push(event);
    bucket.hub.dispatch(event);
    for (const listener of this.listeners) listener(storageKey, event);
  }

  private reindexOwners(storageKey: string, key: string, before: JsonObject | undefined, after: JsonObject | undefined): void {
    const loc = `${storageKey}\u0000${key}`;
    const oldOwners = before ? ownerUidsOf(before) : [];
    const newOwners = after ? ownerUidsOf(after) : [];
    for (const uid of oldOwners) {
      if (newOwners.includes(uid)) continue;
      const set = this.dependents.get(uid);
      set?.delete(loc);
      if (set?.size === 0) this.dependents.delete(uid);
    }
    for (const uid of newOwners) {
      let set = this.dependents.get(uid);
      if (!set) {
        set = new Set();
        this.dependents.set(uid, set);
      }
      set.add(loc);
    }
  }
}
