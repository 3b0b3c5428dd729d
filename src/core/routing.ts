/**
 * What traffic routing should look like now: level-triggered, the whole desired state at once.
 * The decision core produces it; each TrafficRouter (src/routers/) realises it in its provider's objects.
 */
import type { StringMatch } from "../api/steps.ts";

export type HeaderMatch = { headerName: string; headerValue: StringMatch };

/** Requests matching every entry of `match` go to the canary, whatever the weight. */
export type HeaderRoute = { name: string; match: HeaderMatch[] };

export type MirrorMatch = { method?: StringMatch; path?: StringMatch; headers?: Record<string, StringMatch> };

/** `percentage` of the requests matching any entry of `match` (all requests when empty) are copied to the canary. */
export type MirrorRoute = { name: string; percentage: number; match: MirrorMatch[] };

export type DesiredRouting = {
  /** 0..100, an integer; stable gets the rest. */
  canaryWeight: number;
  headerRoutes: HeaderRoute[];
  mirrorRoutes: MirrorRoute[];
};

/** The state every router returns to on abort, on completion and on Rollout deletion. */
export const ALL_TO_STABLE: DesiredRouting = { canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] };
