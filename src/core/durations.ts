/** Durations from a parsed spec (already validated by zod, so a bad one cannot reach here). */
import { durationToMs } from "../api/duration.ts";

export function durationMsOf(value: string | number | undefined): number | undefined {
  return value === undefined ? undefined : durationToMs(value);
}
