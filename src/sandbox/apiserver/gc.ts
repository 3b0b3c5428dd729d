// Garbage collector emulation (a kube-controller-manager job on a real cluster, sheet §4.8):
// dependents whose owners are all gone are deleted (background), owners marked with the
// `foregroundDeletion` finalizer wait for their blocking dependents, `orphan` strips the
// ownerReferences from dependents. Driven by store events through the owner index, so a
// deletion only touches that owner's dependents.
import { isObject, type JsonObject } from "../../util/json.ts";
import type { ResourceService } from "./resources.ts";
import { stringList } from "./resources.ts";
import { metadataOf, nameOf, namespaceOf, ownerUidsOf, uidOf, type ObjectLocation } from "./store.ts";
import { WorkQueue } from "./work-queue.ts";
import type { ResourceType } from "./resource-type.ts";

export class GarbageCollector {
  private readonly service: ResourceService;
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;

  constructor(service: ResourceService, onError?: (key: string, error: unknown) => void) {
    this.service = service;
    this.queue = new WorkQueue((key) => this.process(key), onError);
  }

  start(): void {
    this.unsubscribe = this.service.store.onEvent((storageKey, event) => {
      const obj = event.object;
      const uid = uidOf(obj);
      if (event.type === "DELETED") {
        for (const dep of this.service.store.dependentsOf(uid)) this.queue.add(`dep\u0000${dep.storageKey}\u0000${dep.namespace}\u0000${dep.name}`);
        for (const owner of ownerUidsOf(obj)) this.queue.add(`owner\u0000${owner}`);
        return;
      }
      if (ownerUidsOf(obj).length > 0) this.queue.add(`dep\u0000${storageKey}\u0000${namespaceOf(obj)}\u0000${nameOf(obj)}`);
      const finalizers = stringList(metadataOf(obj)["finalizers"]);
      if (metadataOf(obj)["deletionTimestamp"] !== undefined && (finalizers.includes("foregroundDeletion") || finalizers.includes("orphan"))) {
        this.queue.add(`owner\u0000${uid}`);
      }
      if (event.previous) for (const owner of ownerUidsOf(event.previous)) this.queue.add(`owner\u0000${owner}`);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private typeFor(storageKey: string): ResourceType | undefined {
    return this.service.registry.byStorageKey(storageKey)[0];
  }

  private process(key: string): void {
    const [kind = "", ...rest] = key.split("\u0000");
    if (kind === "dep") {
      const [storageKey = "", namespace = "", name = ""] = rest;
      this.processDependent({ storageKey, namespace, name });
    } else if (kind === "owner") {
      this.processOwner(rest[0] ?? "");
    }
  }

  /** Delete a dependent once none of its owners exists any more. */
  private processDependent(loc: ObjectLocation): void {
    const obj = this.service.store.get(loc.storageKey, loc.namespace, loc.name);
    if (!obj || metadataOf(obj)["deletionTimestamp"] !== undefined) return;
    const owners = ownerUidsOf(obj);
    if (owners.length === 0) return;
    const live = owners.map((uid) => this.service.store.getByUid(uid)).filter((o): o is JsonObject => o !== undefined);
    const t = this.typeFor(loc.storageKey);
    if (!t) return;
    if (live.length === 0) {
      this.service.delete(t, loc.namespace, loc.name, { propagationPolicy: "Background" });
      return;
    }
    // An owner being deleted in the foreground takes its dependents with it (foreground too).
    const foregroundOwner = live.some((o) => metadataOf(o)["deletionTimestamp"] !== undefined && stringList(metadataOf(o)["finalizers"]).includes("foregroundDeletion"));
    const allOwnersDeleting = live.every((o) => metadataOf(o)["deletionTimestamp"] !== undefined && !stringList(metadataOf(o)["finalizers"]).includes("orphan"));
    if (foregroundOwner && allOwnersDeleting) this.service.delete(t, loc.namespace, loc.name, { propagationPolicy: "Foreground" });
  }

  private processOwner(uid: string): void {
    const loc = this.service.store.locate(uid);
    const owner = loc ? this.service.store.get(loc.storageKey, loc.namespace, loc.name) : undefined;
    if (!loc || !owner || metadataOf(owner)["deletionTimestamp"] === undefined) return;
    const t = this.typeFor(loc.storageKey);
    if (!t) return;
    const finalizers = stringList(metadataOf(owner)["finalizers"]);
    const dependents = this.service.store.dependentsOf(uid);
    if (finalizers.includes("orphan")) {
      for (const dep of dependents) this.stripOwnerReference(dep, uid);
      this.service.removeFinalizer(t, loc.namespace, loc.name, "orphan");
      return;
    }
    if (finalizers.includes("foregroundDeletion")) {
      let blocking = 0;
      for (const dep of dependents) {
        const obj = this.service.store.get(dep.storageKey, dep.namespace, dep.name);
        if (!obj) continue;
        const ref = refTo(obj, uid);
        if (ref?.["blockOwnerDeletion"] === true) blocking++;
        this.processDependent(dep);
      }
      if (blocking === 0) this.service.removeFinalizer(t, loc.namespace, loc.name, "foregroundDeletion");
    }
  }

  private stripOwnerReference(dep: ObjectLocation, ownerUid: string): void {
    const t = this.typeFor(dep.storageKey);
    const obj = this.service.store.get(dep.storageKey, dep.namespace, dep.name);
    if (!t || !obj) return;
    const next = structuredClone(this.service.present(t, obj));
    const meta = metadataOf(next);
    const refs = Array.isArray(meta["ownerReferences"]) ? meta["ownerReferences"].filter((r) => !(isObject(r) && r["uid"] === ownerUid)) : [];
    if (refs.length > 0) meta["ownerReferences"] = refs;
    else delete meta["ownerReferences"];
    this.service.writeAsController(t, next);
  }
}

function refTo(obj: JsonObject, uid: string): JsonObject | undefined {
  const refs = metadataOf(obj)["ownerReferences"];
  if (!Array.isArray(refs)) return undefined;
  const found = refs.find((r) => isObject(r) && r["uid"] === uid);
  return isObject(found) ? found : undefined;
}
