/** The status of a Rollout whose spec does not validate: nothing else is touched until it is fixed. */
import type { RolloutStatus } from "../api/rollout.ts";
import type { FieldError } from "../api/field-errors.ts";
import { setCondition } from "./conditions.ts";
import { rfc3339Seconds } from "../util/rfc3339.ts";

export function invalidSpecStatus(
  previous: RolloutStatus,
  errors: FieldError[],
  generation: number | undefined,
  now: Date,
): { status: RolloutStatus; event?: { type: "Warning"; reason: string; message: string } } {
  const status = structuredClone(previous);
  const detail = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; ");
  const already = previous.conditions?.some((c) => c.type === "InvalidSpec" && c.status === "True" && c.message === detail);
  setCondition(status, "InvalidSpec", true, "InvalidSpec", detail, rfc3339Seconds(now));
  status.phase = "Degraded";
  status.message = `invalid spec: ${detail}`;
  status.observedGeneration = generation;
  return already ? { status } : { status, event: { type: "Warning", reason: "InvalidSpec", message: detail } };
}
