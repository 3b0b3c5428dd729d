/**
 * Keeps an Endpoints object for every Service with a selector, from the Pods in the API server: the
 * sandbox's endpoints controller (any simulator that writes Pods with a podIP works with it). It runs in
 * the API server's process on its store, since it is part of the "cluster", and recomputes a namespace a
 * tick after any Pod or Service in it changes, writing only Endpoints whose subsets really changed.
 */
import type { Logger } from "pino";
import { pino } from "pino";
import type { ApiServer } from "../apiserver/index.ts";
import { type JsonObject } from "../../util/json.ts";
import { metadataOf, nameOf } from "../apiserver/store.ts";
import { endpointSubsetsFor } from "./endpoints-of.ts";

const PODS = "pods";
const SERVICES = "services";
const ENDPOINTS = "endpoints";
const INTERNAL = { fieldValidation: "Ignore" as const, dryRun: false, warnings: [] as string[] };

export interface EndpointsController {
  stop(): void;
}

export function startEndpointsController(server: Pick<ApiServer, "store" | "service" | "registry">, logger?: Logger): EndpointsController {
  const log = logger ?? pino({ level: "silent" });
  const endpointsType = server.registry.find("", "v1", "endpoints");
  if (!endpointsType) throw new Error("the API server has no v1 Endpoints resource");
  const pending = new Set<string>();

  const sync = (namespace: string): void => {
    const pods = server.store.list(PODS, namespace);
    for (const service of server.store.list(SERVICES, namespace)) {
      if (metadataOf(service)["deletionTimestamp"] !== undefined) continue;
      const subsets = endpointSubsetsFor(service, pods);
      if (subsets) writeEndpoints(namespace, nameOf(service), subsets);
    }
  };

  const writeEndpoints = (namespace: string, name: string, subsets: JsonObject[]): void => {
    const current = server.store.get(ENDPOINTS, namespace, name);
    if (current && JSON.stringify(current["subsets"] ?? []) === JSON.stringify(subsets)) return;
    if (!current) {
      server.service.create(endpointsType, namespace, { apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace }, subsets }, { ...INTERNAL, warnings: [] });
      return;
    }
    const next: JsonObject = { ...structuredClone(current), subsets };
    if (subsets.length === 0) delete next["subsets"];
    server.service.writeAsController(endpointsType, next);
  };

  const removeEndpoints = (namespace: string, name: string): void => {
    if (server.store.get(ENDPOINTS, namespace, name)) server.service.delete(endpointsType, namespace, name, {});
  };

  const unsubscribe = server.store.onEvent((storageKey, event) => {
    if (storageKey !== PODS && storageKey !== SERVICES) return;
    if (storageKey === SERVICES && event.type === "DELETED") {
      // A deleted Service's Endpoints go with it, as in a cluster.
      setImmediate(() => guarded(() => removeEndpoints(event.namespace, nameOf(event.object))));
      return;
    }
    if (pending.has(event.namespace)) return;
    pending.add(event.namespace);
    // Deferred: never write from inside the store's dispatch, and batch a burst of changes into one pass.
    setImmediate(() => {
      pending.delete(event.namespace);
      guarded(() => sync(event.namespace));
    });
  });

  const guarded = (work: () => void): void => {
    try {
      work();
    } catch (error) {
      log.warn({ err: error }, "endpoints sync failed");
    }
  };

  for (const service of server.store.list(SERVICES, undefined)) pending.add(String(metadataOf(service)["namespace"] ?? ""));
  for (const namespace of pending) guarded(() => sync(namespace));
  pending.clear();

  return { stop: unsubscribe };
}
