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

/** `running` processes exist (started or starting); `ready` of them passed their health check. */
export function replicaSetStatusFor(rs: JsonObject, running: number, ready: number): ReplicaSetCounts {
  const generation = metadataOf(rs)["generation"];
  return {
    replicas: running,
    fullyLabeledReplicas: running,
    readyReplicas: ready,
    // minReadySeconds is not simulated: a Ready pod is available at once.
    availableReplicas: ready,
    observedGeneration: typeof generation === "number" ? generation : 1,
  };
}

export function statusDiffers(rs: JsonObject, want: ReplicaSetCounts): boolean {
  const have = objectField(rs, "status") ?? {};
  // An absent count means 0, as the API server omits zero values.
  return Object.entries(want).some(([key, value]) => (have[key] ?? 0) !== value);
}
