/** `sluice abort` and `sluice retry` as status changes (pure), with the controller's meaning of each field. */
import type { Rollout, RolloutStatus } from "../../api/rollout.ts";
import { RefusedError } from "../errors.ts";
import { isAborted, isSettled } from "./rollout-facts.ts";

export type StatusChange = { status: RolloutStatus; said: string };

/** abort: true sends all traffic back to stable; the controller stamps abortedAt. */
export function abort(rollout: Rollout): StatusChange {
  const name = rollout.metadata.name ?? "";
  const status = rollout.status ?? {};
  if (isAborted(rollout)) throw new RefusedError(`rollout "${name}" is already aborted; \`sluice retry ${name}\` runs the revision again`);
  if (isSettled(rollout)) throw new RefusedError(`rollout "${name}" is ${status.phase ?? "settled"}: nothing to abort (no new revision in progress)`);
  return { status: { ...status, abort: true }, said: `rollout "${name}" aborted: all traffic goes back to the stable version${status.stableRS ? ` (${status.stableRS})` : ""}` };
}

/** retry: abort false with abortedAt still set is the controller's "run this revision again from step 1". */
export function retry(rollout: Rollout): StatusChange {
  const name = rollout.metadata.name ?? "";
  const status = rollout.status ?? {};
  if (!isAborted(rollout)) throw new RefusedError(`rollout "${name}" is not aborted (${status.phase ?? "no status yet"}); retry only restarts an aborted revision`);
  return { status: { ...status, abort: false }, said: `rollout "${name}" retried: revision ${status.currentPodHash ?? "?"} starts again from the first step` };
}
