/**
 * The Endpoints of a Service, from the pods its selector matches: what the Kubernetes endpoints controller
 * computes, for sandbox pods that all share 127.0.0.1.
 *
 * Representation: ONE SUBSET PER POD, ordered by pod name. Its `addresses` (Ready pods) or
 * `notReadyAddresses` (the rest) hold the single address 127.0.0.1 with a targetRef to the Pod, and its
 * `ports` list every Service port (same names and protocols) with the pod's own port. This is what
 * Kubernetes itself produces when a Service's targetPort resolves to a different port on each pod, so any
 * Endpoints reader (the sandbox gateway, kubectl) gets host:port pairs by pairing each subset's addresses
 * with its ports.
 */
import { isObject, objectField, type JsonObject } from "../../util/json.ts";
import { metadataOf, nameOf, namespaceOf, uidOf } from "../apiserver/store.ts";
import { POD_PORT_ANNOTATION } from "./pod-object.ts";

export function selectorOf(service: JsonObject): Record<string, string> | undefined {
  const selector = objectField(objectField(service, "spec"), "selector");
  if (!selector || Object.keys(selector).length === 0) return undefined;
  return Object.fromEntries(Object.entries(selector).map(([k, v]) => [k, String(v)]));
}

export function matchesSelector(pod: JsonObject, selector: Record<string, string>): boolean {
  const labels = objectField(metadataOf(pod), "labels") ?? {};
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

export function isPodReady(pod: JsonObject): boolean {
  const conditions = objectField(pod, "status")?.["conditions"];
  return Array.isArray(conditions) && conditions.some((c) => isObject(c) && c["type"] === "Ready" && c["status"] === "True");
}

interface ServicePort {
  name: string | undefined;
  protocol: string;
  /** The numeric targetPort (or port), for pods without our port annotation. */
  fallback: number | undefined;
}

function servicePorts(service: JsonObject): ServicePort[] {
  const ports = objectField(service, "spec")?.["ports"];
  if (!Array.isArray(ports)) return [];
  return ports.filter(isObject).map((p) => {
    const target = p["targetPort"];
    const fallback = typeof target === "number" ? target : typeof p["port"] === "number" ? p["port"] : undefined;
    return { name: typeof p["name"] === "string" ? p["name"] : undefined, protocol: typeof p["protocol"] === "string" ? p["protocol"] : "TCP", fallback };
  });
}

function podPort(pod: JsonObject): number | undefined {
  const value = objectField(metadataOf(pod), "annotations")?.[POD_PORT_ANNOTATION];
  const port = Number(value);
  return value !== undefined && Number.isInteger(port) && port > 0 ? port : undefined;
}

/** The `subsets` of the Service's Endpoints, or undefined when the Service has no selector (user-managed). */
export function endpointSubsetsFor(service: JsonObject, pods: readonly JsonObject[]): JsonObject[] | undefined {
  const selector = selectorOf(service);
  if (!selector) return undefined;
  const ports = servicePorts(service);
  const subsets: JsonObject[] = [];
  const matching = pods
    .filter((pod) => metadataOf(pod)["deletionTimestamp"] === undefined && matchesSelector(pod, selector))
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  for (const pod of matching) {
    const ip = objectField(pod, "status")?.["podIP"];
    if (typeof ip !== "string" || ip === "") continue;
    const own = podPort(pod);
    const subsetPorts = ports.flatMap((p) => {
      const port = own ?? p.fallback;
      return port === undefined ? [] : [{ ...(p.name ? { name: p.name } : {}), port, protocol: p.protocol }];
    });
    if (subsetPorts.length === 0) continue;
    const address = { ip, targetRef: { kind: "Pod", namespace: namespaceOf(pod), name: nameOf(pod), uid: uidOf(pod) } };
    subsets.push({ [isPodReady(pod) ? "addresses" : "notReadyAddresses"]: [address], ports: subsetPorts });
  }
  return subsets;
}
