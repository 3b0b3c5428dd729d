/**
 * The Pod objects the runner writes for its processes: what `kubectl get pods` and the Endpoints controller
 * read. Every pod's IP is 127.0.0.1, so the port that tells them apart lives in an annotation (and in the
 * container's `ports`, as a cluster would show it).
 */
import { API_GROUP, POD_TEMPLATE_HASH_LABEL } from "../../api/group.ts";
import { isObject, objectField, type JsonObject } from "../../util/json.ts";
import { nameOf, namespaceOf, uidOf } from "../apiserver/store.ts";
import { rfc3339Seconds } from "../../util/rfc3339.ts";

/** Annotation holding the port a sandbox pod listens on (its IP is always 127.0.0.1). */
export const POD_PORT_ANNOTATION = `sandbox.${API_GROUP}/port`;
export const POD_IP = "127.0.0.1";

export function templateOf(rs: JsonObject): JsonObject {
  return objectField(objectField(rs, "spec"), "template") ?? {};
}

export function templateLabels(rs: JsonObject): Record<string, string> {
  const labels = objectField(objectField(templateOf(rs), "metadata"), "labels") ?? {};
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** The `rollouts-pod-template-hash` label of the ReplicaSet's pods (or of the ReplicaSet itself). */
export function podTemplateHashOf(rs: JsonObject): string | undefined {
  const own = objectField(objectField(rs, "metadata"), "labels")?.[POD_TEMPLATE_HASH_LABEL];
  return templateLabels(rs)[POD_TEMPLATE_HASH_LABEL] ?? (typeof own === "string" ? own : undefined);
}

/** The first container's literal `env` entries (valueFrom is not simulated). */
export function containerEnv(rs: JsonObject): Record<string, string> {
  const containers = objectField(templateOf(rs), "spec")?.["containers"];
  const first = Array.isArray(containers) ? containers.find(isObject) : undefined;
  const env = first?.["env"];
  const out: Record<string, string> = {};
  if (!Array.isArray(env)) return out;
  for (const entry of env) {
    if (isObject(entry) && typeof entry["name"] === "string" && typeof entry["value"] === "string") out[entry["name"]] = entry["value"];
  }
  return out;
}

export function replicasOf(rs: JsonObject): number {
  const r = objectField(rs, "spec")?.["replicas"];
  return typeof r === "number" ? r : 1;
}

function withPort(spec: JsonObject, port: number): JsonObject {
  const containers = Array.isArray(spec["containers"]) ? spec["containers"].filter(isObject) : [];
  const [first, ...rest] = containers;
  if (!first) return spec;
  return { ...spec, containers: [{ ...first, ports: [{ containerPort: port, protocol: "TCP" }] }, ...rest] };
}

/** A Pod owned by the ReplicaSet, named by the server from `generateName` (RS-NAME-xxxxx), Pending. */
export function podObjectFor(rs: JsonObject, port: number): JsonObject {
  const templateMeta = objectField(templateOf(rs), "metadata") ?? {};
  const annotations = { ...(objectField(templateMeta, "annotations") ?? {}), [POD_PORT_ANNOTATION]: String(port) };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${nameOf(rs)}-`,
      namespace: namespaceOf(rs),
      labels: templateLabels(rs),
      annotations,
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: nameOf(rs), uid: uidOf(rs), controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...withPort(objectField(templateOf(rs), "spec") ?? { containers: [] }, port), nodeName: "sandbox-node" },
    status: { phase: "Pending" },
  };
}

function containerNames(pod: JsonObject): string[] {
  const containers = objectField(pod, "spec")?.["containers"];
  return Array.isArray(containers) ? containers.filter(isObject).map((c) => String(c["name"] ?? "")) : [];
}

/** Running and Ready: written only after the health check passed. */
export function readyPodStatus(pod: JsonObject, pid: number, now: string): JsonObject {
  const conditions = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({
    type,
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: now,
  }));
  return {
    phase: "Running",
    conditions,
    hostIP: POD_IP,
    podIP: POD_IP,
    podIPs: [{ ip: POD_IP }],
    startTime: now,
    containerStatuses: containerNames(pod).map((name) => ({
      name,
      ready: true,
      started: true,
      restartCount: 0,
      image: "",
      imageID: "",
      containerID: `sandbox://${pid}`,
      state: { running: { startedAt: now } },
    })),
  };
}

export function nowIso(): string {
  return rfc3339Seconds(new Date());
}
