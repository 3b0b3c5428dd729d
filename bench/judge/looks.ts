/**
 * When the methods look: every `LOOK_INTERVAL_SECONDS` of canary traffic up to `HORIZON_SECONDS`, aborting at
 * the first failing look. Times are seconds since the canary's first request; `UNIX_EPOCH_OF_START` turns them
 * into the Unix timestamps the judge sees (any value works; a realistic one keeps the messages honest).
 */
export const LOOK_INTERVAL_SECONDS = 30;
export const HORIZON_SECONDS = 600;
export const LOOKS = HORIZON_SECONDS / LOOK_INTERVAL_SECONDS;
export const UNIX_EPOCH_OF_START = 1_767_225_600;

/** Seconds of canary traffic at look k (1-based). */
export function lookTime(look: number): number {
  return look * LOOK_INTERVAL_SECONDS;
}

export function minutesAtLook(look: number): number {
  return lookTime(look) / 60;
}

/** No abort within the horizon. */
export const NEVER = 0;
