// Serves custom resources as soon as their CRD is stored (synchronously, so the very next
// request can use them) and runs CRD deletion: instances are deleted, then the cleanup
// finalizer is removed and the resource stops being served.
import { CRD_CLEANUP_FINALIZER, resourceTypesFromCrd } from "./crd-types.ts";
import type { ResourceService } from "./resources.ts";
import { metadataOf, nameOf } from "./store.ts";
import { WorkQueue } from "./work-queue.ts";
import { objectField, stringField } from "../../util/json.ts";
import { storageKeyOf } from "./resource-type.ts";

export const CRD_STORAGE_KEY = "customresourcedefinitions.apiextensions.k8s.io";

export class CrdController {
  private readonly service: ResourceService;
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  /** storage key of a terminating CRD's instances → CRD name. */
  private readonly terminating = new Map<string, string>();

  constructor(service: ResourceService, onError?: (key: string, error: unknown) => void) {
    this.service = service;
    this.queue = new WorkQueue((name) => this.process(name), onError);
  }

  start(): void {
    this.unsubscribe = this.service.store.onEvent((storageKey, event) => {
      if (storageKey === CRD_STORAGE_KEY) {
        const crd = event.object;
        const name = nameOf(crd);
        if (event.type === "DELETED") {
          this.service.registry.setCrdTypes(name, []);
          for (const [key, crdName] of this.terminating) if (crdName === name) this.terminating.delete(key);
          return;
        }
        this.service.registry.setCrdTypes(name, resourceTypesFromCrd(crd));
        if (metadataOf(crd)["deletionTimestamp"] !== undefined) {
          const spec = objectField(crd, "spec");
          const plural = stringField(objectField(spec, "names"), "plural") ?? "";
          this.terminating.set(storageKeyOf(stringField(spec, "group") ?? "", plural), name);
          this.queue.add(name);
        }
        return;
      }
      if (event.type === "DELETED") {
        const crdName = this.terminating.get(storageKey);
        if (crdName !== undefined) this.queue.add(crdName);
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private process(crdName: string): void {
    const crd = this.service.store.get(CRD_STORAGE_KEY, "", crdName);
    if (!crd || metadataOf(crd)["deletionTimestamp"] === undefined) return;
    const types = resourceTypesFromCrd(crd);
    const t = types[0];
    const crdType = this.service.registry.find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
    if (!crdType) return;
    if (t) {
      const items = this.service.store.list(t.storageKey, undefined);
      for (const item of items) {
        if (metadataOf(item)["deletionTimestamp"] !== undefined) continue;
        this.service.delete(t, t.namespaced ? String(metadataOf(item)["namespace"] ?? "") : "", nameOf(item), { propagationPolicy: "Background" });
      }
      if (this.service.store.count(t.storageKey) > 0) return;
    }
    this.service.removeFinalizer(crdType, "", crdName, CRD_CLEANUP_FINALIZER);
  }
}
