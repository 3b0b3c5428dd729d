/** Labels and annotations sluice puts on the objects it creates, so it can find them again after a restart. */
export const ROLLOUT_LABEL = "sluice.dev/rollout";
export const ANALYSIS_ROLE_LABEL = "sluice.dev/analysis-role";
export const REVISION_ANNOTATION = "sluice.dev/revision";
/** When a delayed scale-down to zero is due (RFC 3339); on the ReplicaSet so restarts keep the timer. */
export const SCALE_DOWN_DEADLINE_ANNOTATION = "sluice.dev/scale-down-deadline";
/** The ephemeral pod metadata (JSON) sluice last put on a ReplicaSet's template and pods, to undo it on a change of role. */
export const POD_METADATA_ANNOTATION = "sluice.dev/ephemeral-metadata";
