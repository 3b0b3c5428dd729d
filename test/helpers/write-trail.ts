/**
 * What the controller wrote, one line per stored change, read from the sandbox API server's store: a Rollout
 * status write names the status fields it changed (and the message), a ReplicaSet write what it set, an Event
 * its reason and message. Changes that only the workload simulator makes (ReplicaSet status) are left out. A
 * write-count test prints it when it fails, so the regression names itself.
 */
import type { ApiServer, JsonObject } from "../../src/sandbox/apiserver/index.ts";

type Json = JsonObject | undefined;

const field = (o: Json, key: string): Json => {
  const v = o?.[key];
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
};
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const changedKeys = (a: Json, b: Json): string[] => [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].filter((k) => !same(a?.[k], b?.[k])).sort();

function describe(kind: string, type: string, object: JsonObject, previous: Json): string | undefined {
  const name = String(field(object, "metadata")?.["name"] ?? "");
  if (kind === "Event") return type === "ADDED" ? `create Event ${String(field(object, "involvedObject")?.["name"])} ${String(object["reason"])}: ${String(object["message"])}` : undefined;
  if (kind === "ReplicaSet") {
    if (type === "ADDED") return `create ReplicaSet ${name} replicas=${String(field(object, "spec")?.["replicas"])}`;
    if (type === "DELETED") return `delete ReplicaSet ${name}`;
    const parts: string[] = [];
    const replicas = [field(previous, "spec")?.["replicas"], field(object, "spec")?.["replicas"]];
    if (!same(replicas[0], replicas[1])) parts.push(`replicas ${String(replicas[0])}->${String(replicas[1])}`);
    const annotations = changedKeys(field(field(previous, "metadata"), "annotations"), field(field(object, "metadata"), "annotations"));
    if (annotations.length > 0) parts.push(`annotations ${annotations.join(",")}`);
    return parts.length > 0 ? `patch ReplicaSet ${name} ${parts.join(" ")}` : undefined; // status only: the simulator
  }
  if (kind === "Rollout") {
    if (type !== "MODIFIED") return undefined;
    const before = field(previous, "status");
    const after = field(object, "status");
    const keys = changedKeys(before, after);
    if (keys.length === 0) return undefined; // a spec change (the test's own)
    return `update Rollout/status ${name} [${keys.join(",")}] phase=${String(after?.["phase"])} step=${String(after?.["currentStepIndex"])} message=${JSON.stringify(after?.["message"] ?? null)}`;
  }
  return undefined;
}

export type WriteTrail = { lines: string[]; stop(): void };

/** Record the Rollout, ReplicaSet and Event changes of namespace `namespace` from now on. */
export function followWrites(server: ApiServer, namespace = "default"): WriteTrail {
  const lines: string[] = [];
  const stop = server.store.onEvent((_key, event) => {
    if (event.namespace !== namespace) return;
    const kind = String(event.object["kind"] ?? "");
    const line = describe(kind, event.type, event.object, event.previous);
    if (line) lines.push(line);
  });
  return { lines, stop: () => void stop() };
}
