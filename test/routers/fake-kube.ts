/**
 * An in-memory RouterKubeClient for the router shells' unit tests: resourceVersions, 404 as undefined,
 * 409 on a stale replace or a duplicate create, a log of writes, and conflicts that can be injected.
 */
import type { KubeObject, ObjectRef, RouterKubeClient } from "../../src/routers/types.ts";

type Write = { verb: "create" | "replace"; kind: string; name: string };

const keyOf = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ""}/${name}`;

export class FakeKube implements RouterKubeClient {
  readonly objects = new Map<string, KubeObject>();
  readonly writes: Write[] = [];
  /** Replaces that will fail with a 409 after someone else's write, as in a race with another writer. */
  conflictsToInject = 0;
  private version = 100;

  constructor(objects: unknown[] = []) {
    for (const object of objects) this.put(object as KubeObject);
  }

  /** Stores an object as if applied by the user (no write logged). */
  put(object: KubeObject): void {
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.version);
    this.objects.set(keyOf(stored.kind, stored.metadata.namespace, stored.metadata.name), stored);
  }

  find(kind: string, namespace: string, name: string): KubeObject | undefined {
    const found = this.objects.get(keyOf(kind, namespace, name));
    return found ? structuredClone(found) : undefined;
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    return this.find(ref.kind, ref.namespace, ref.name);
  }

  async list(_apiVersion: string, kind: string, namespace: string): Promise<KubeObject[]> {
    return [...this.objects.values()].filter((object) => object.kind === kind && object.metadata.namespace === namespace).map((object) => structuredClone(object));
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const key = keyOf(object.kind, object.metadata.namespace, object.metadata.name);
    if (this.objects.has(key)) throw Object.assign(new Error(`${key} already exists`), { statusCode: 409 });
    this.writes.push({ verb: "create", kind: object.kind, name: object.metadata.name });
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.version);
    stored.metadata.uid = `uid-${this.version}`;
    this.objects.set(key, stored);
    return structuredClone(stored);
  }

  async replace(object: KubeObject): Promise<KubeObject> {
    const key = keyOf(object.kind, object.metadata.namespace, object.metadata.name);
    const existing = this.objects.get(key);
    if (!existing) throw Object.assign(new Error(`${key} not found`), { statusCode: 404 });
    if (this.conflictsToInject > 0) {
      this.conflictsToInject--;
      // Someone else wrote first: the stored version moves on and our write is stale.
      existing.metadata.resourceVersion = String(++this.version);
    }
    if (existing.metadata.resourceVersion !== object.metadata.resourceVersion) {
      throw Object.assign(new Error(`${key}: the object has been modified`), { statusCode: 409 });
    }
    this.writes.push({ verb: "replace", kind: object.kind, name: object.metadata.name });
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.version);
    this.objects.set(key, stored);
    return structuredClone(stored);
  }
}
