/** Kubernetes-style conditions: set a type to a status, keeping lastTransitionTime unless the status changes. */
import type { RolloutStatus } from "../api/rollout.ts";

export type ConditionType = "Progressing" | "Available" | "Paused" | "Healthy" | "InvalidSpec" | "ProgressDeadlineExceeded" | "TrafficRouting";

type Condition = NonNullable<RolloutStatus["conditions"]>[number];

export function setCondition(
  status: RolloutStatus,
  type: ConditionType,
  value: boolean,
  reason: string,
  message: string,
  nowIso: string,
): void {
  const conditions = status.conditions ?? [];
  const wanted: Condition["status"] = value ? "True" : "False";
  const existing = conditions.find((c) => c.type === type);
  const next: Condition = {
    type,
    status: wanted,
    reason,
    message,
    lastTransitionTime: existing && existing.status === wanted ? existing.lastTransitionTime ?? nowIso : nowIso,
    lastUpdateTime: existing && existing.status === wanted && existing.reason === reason && existing.message === message ? existing.lastUpdateTime ?? nowIso : nowIso,
  };
  status.conditions = [...conditions.filter((c) => c.type !== type), next].sort((a, b) => a.type.localeCompare(b.type));
}
