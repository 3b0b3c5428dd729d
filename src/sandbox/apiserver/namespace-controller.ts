// Namespace lifecycle (the namespace controller's job on a real cluster): a namespace marked
// for deletion is Terminating; its content is deleted, and once nothing is left the namespace
// itself disappears.
import type { ResourceService } from "./resources.ts";
import { metadataOf, namespaceOf, nameOf } from "./store.ts";
import { WorkQueue } from "./work-queue.ts";

export class NamespaceController {
  private readonly service: ResourceService;
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;

  constructor(service: ResourceService, onError?: (key: string, error: unknown) => void) {
    this.service = service;
    this.queue = new WorkQueue((ns) => this.process(ns), onError);
  }

  start(): void {
    this.unsubscribe = this.service.store.onEvent((storageKey, event) => {
      if (storageKey === "namespaces") {
        if (event.type !== "DELETED" && metadataOf(event.object)["deletionTimestamp"] !== undefined) this.queue.add(nameOf(event.object));
        return;
      }
      if (event.type === "DELETED" && event.namespace !== "") {
        const ns = this.service.store.get("namespaces", "", event.namespace);
        if (ns && metadataOf(ns)["deletionTimestamp"] !== undefined) this.queue.add(event.namespace);
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private process(namespace: string): void {
    const ns = this.service.store.get("namespaces", "", namespace);
    if (!ns || metadataOf(ns)["deletionTimestamp"] === undefined) return;
    let remaining = 0;
    for (const t of this.service.registry.all()) {
      if (!t.namespaced) continue;
      // Several versions can share one storage; only visit the storage once per type list entry.
      for (const obj of this.service.store.list(t.storageKey, namespace)) {
        remaining++;
        if (metadataOf(obj)["deletionTimestamp"] === undefined && namespaceOf(obj) === namespace) {
          try {
            this.service.delete(t, namespace, nameOf(obj), { propagationPolicy: "Background" });
          } catch {
            // Already gone (another version of the same storage deleted it).
          }
        }
      }
    }
    if (remaining === 0) {
      const finalizers = metadataOf(ns)["finalizers"];
      if (!Array.isArray(finalizers) || finalizers.length === 0) this.service.store.remove("namespaces", "", namespace);
    }
  }
}
