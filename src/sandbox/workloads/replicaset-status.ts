/** The ReplicaSet status the runner reports, and whether the stored one already says it. */
import { objectField, type JsonObject } from "../../util/json.ts";
import { metadataOf } from "../apiserver/store.ts";

export interface ReplicaSetCounts extends JsonObject {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  observedGeneration: number;
}

/** spec.minReadySeconds of a ReplicaSet (absent = 0). */
export function minReadySecondsOf(rs: JsonObject): number {
  const v = objectField(rs, "spec")?.["minReadySeconds"];
  return typeof v === "number" && v > 0 ? v : 0;
}

export type Availability = { available: number; /** When the next Ready pod becomes available (ms), if one is still waiting. */ nextAt: number | undefined };

/**
 * Kube's rule (podutil.IsPodAvailable): a Ready pod is available once it has been Ready for minReadySeconds,
 * counted from its Ready condition's lastTransitionTime. `readySinceMs` holds that time for each Ready pod.
 */
export function availability(readySinceMs: readonly number[], minReadySeconds: number, nowMs: number): Availability {
  const due = readySinceMs.map((t) => t + minReadySeconds * 1000);
  const waiting = due.filter((t) => t > nowMs);
  return { available: due.length - waiting.length, nextAt: waiting.length > 0 ? Math.min(...waiting) : undefined };
}

/**
 * `running` processes exist (started or starting); `readySinceMs` holds when each of the ready ones became
 * Ready. `nextAt`: when the status must be computed again because a pod's minReadySeconds run out.
 */
export function replicaSetStatusFor(rs: JsonObject, running: number, readySinceMs: readonly number[], nowMs: number): { status: ReplicaSetCounts; nextAt: number | undefined } {
  const generation = metadataOf(rs)["generation"];
  const { available, nextAt } = availability(readySinceMs, minReadySecondsOf(rs), nowMs);
  const status: ReplicaSetCounts = {
    replicas: running,
    fullyLabeledReplicas: running,
    readyReplicas: readySinceMs.length,
    availableReplicas: available,
    observedGeneration: typeof generation === "number" ? generation : 1,
  };
  return { status, nextAt };
}

export function statusDiffers(rs: JsonObject, want: ReplicaSetCounts): boolean {
  const have = objectField(rs, "status") ?? {};
  // An absent count means 0, as the API server omits zero values.
  return Object.entries(want).some(([key, value]) => (have[key] ?? 0) !== value);
}
