// Connects a WorkloadSimulator to the store: ReplicaSet events in (deferred to a later tick so
// the simulator's own writes never re-enter a store dispatch), a WorkloadHandle out.
import type { Logger } from "pino";
import { isObject, type JsonObject } from "../../util/json.ts";
import type { ResourceService } from "./resources.ts";
import type { WorkloadHandle, WorkloadSimulator } from "./simulation.ts";
import { metadataOf, nameOf } from "./store.ts";

const RS_KEY = "replicasets.apps";
const POD_KEY = "pods";

export function workloadHandle(service: ResourceService): WorkloadHandle {
  const rsType = service.registry.find("apps", "v1", "replicasets");
  const podType = service.registry.find("", "v1", "pods");
  const internal = (): { fieldValidation: "Ignore"; dryRun: false; warnings: string[] } => ({ fieldValidation: "Ignore", dryRun: false, warnings: [] });
  const mergeStatus = (obj: JsonObject, status: JsonObject): JsonObject => {
    const next = structuredClone(obj);
    next["status"] = { ...(isObject(obj["status"]) ? obj["status"] : {}), ...status };
    return next;
  };
  return {
    getReplicaSet: (namespace, name) => service.store.get(RS_KEY, namespace, name),
    patchReplicaSetStatus: (namespace, name, status) => {
      const current = service.store.get(RS_KEY, namespace, name);
      if (!current || !rsType) return false;
      return service.writeAsController(rsType, mergeStatus(current, status), "status") !== undefined;
    },
    listOwnedPods: (namespace, ownerUid) =>
      service.store
        .dependentsOf(ownerUid)
        .filter((loc) => loc.storageKey === POD_KEY && loc.namespace === namespace)
        .map((loc) => service.store.get(POD_KEY, loc.namespace, loc.name))
        .filter((p): p is JsonObject => p !== undefined && metadataOf(p)["deletionTimestamp"] === undefined)
        .sort((a, b) => String(metadataOf(a)["creationTimestamp"]).localeCompare(String(metadataOf(b)["creationTimestamp"])) || nameOf(a).localeCompare(nameOf(b))),
    createPod: (pod) => {
      if (!podType) return undefined;
      const namespace = String(metadataOf(pod)["namespace"] ?? "default");
      return service.create(podType, namespace, pod, internal()).object;
    },
    deletePod: (namespace, name) => {
      if (!podType || !service.store.get(POD_KEY, namespace, name)) return;
      service.delete(podType, namespace, name, { propagationPolicy: "Background" });
    },
    patchPodStatus: (namespace, name, status) => {
      const current = service.store.get(POD_KEY, namespace, name);
      if (!current || !podType) return false;
      return service.writeAsController(podType, mergeStatus(current, status), "status") !== undefined;
    },
  };
}

/** Subscribe `simulator` to ReplicaSet changes; returns the unsubscribe function. */
export function runSimulation(service: ResourceService, simulator: WorkloadSimulator, logger: Logger): () => void {
  const handle = workloadHandle(service);
  return service.store.onEvent((storageKey, event) => {
    if (storageKey !== RS_KEY) return;
    setImmediate(() => {
      try {
        const latest = event.type === "DELETED" ? event.object : (service.store.get(RS_KEY, event.namespace, nameOf(event.object)) ?? event.object);
        simulator.onReplicaSet({ type: event.type, replicaSet: latest }, handle);
      } catch (error) {
        logger.warn({ err: error }, "simulation error");
      }
    });
  });
}
