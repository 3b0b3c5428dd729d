/** The status of a Rollout whose spec does not validate: nothing else is touched until it is fixed. */
import type { RolloutStatus } from "../api/rollout.ts";
import type { FieldError } from "../api/field-errors.ts";
import { setCondition } from "./conditions.ts";
import { rfc3339Seconds } from "../util/rfc3339.ts";

export type InvalidSpecEvent = { type: "Warning"; reason: "InvalidSpec"; message: string };

/**
 * Mark `status` (in place) Degraded with an InvalidSpec condition saying what is wrong; the Event to record,
 * only when the problem is new (a reconcile that finds the same problem again says nothing twice). One place for
 * both kinds: a spec that does not validate, and one naming a Service or template that does not exist.
 */
export function markInvalidSpec(status: RolloutStatus, reason: "InvalidSpec" | "MissingReference", detail: string, now: Date): InvalidSpecEvent | undefined {
  const already = status.conditions?.some((c) => c.type === "InvalidSpec" && c.status === "True" && c.message === detail);
  setCondition(status, "InvalidSpec", true, reason, detail, rfc3339Seconds(now));
  status.phase = "Degraded";
  status.message = `invalid spec: ${detail}`;
  return already ? undefined : { type: "Warning", reason: "InvalidSpec", message: detail };
}

export function invalidSpecStatus(previous: RolloutStatus, errors: FieldError[], generation: number | undefined, now: Date): { status: RolloutStatus; event?: InvalidSpecEvent } {
  const status = structuredClone(previous);
  const detail = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; ");
  const event = markInvalidSpec(status, "InvalidSpec", detail, now);
  status.observedGeneration = generation;
  return event ? { status, event } : { status };
}
