/** What the steps up to an index add up to: the routing, the canary scale override. */
import type { CanaryStep } from "../../api/steps.ts";
import type { DesiredRouting, HeaderRoute, MirrorRoute } from "../routing.ts";

/** Routing after steps[0..index] (inclusive) have been applied. index -1 = before any step. */
export function routingThrough(steps: CanaryStep[], index: number): DesiredRouting {
  let canaryWeight = 0;
  const headers = new Map<string, HeaderRoute>();
  const mirrors = new Map<string, MirrorRoute>();
  for (const step of steps.slice(0, Math.max(0, index + 1))) {
    if (step.setWeight !== undefined) canaryWeight = step.setWeight;
    const header = step.setHeaderRoute;
    if (header) {
      if (header.match && header.match.length > 0) headers.set(header.name, { name: header.name, match: header.match });
      else headers.delete(header.name);
    }
    const mirror = step.setMirrorRoute;
    if (mirror) {
      if (mirror.match) mirrors.set(mirror.name, { name: mirror.name, percentage: mirror.percentage, match: mirror.match });
      else mirrors.delete(mirror.name);
    }
  }
  return { canaryWeight, headerRoutes: [...headers.values()], mirrorRoutes: [...mirrors.values()] };
}

export type CanaryScaleOverride = { replicas: number } | { weight: number } | { matchTrafficWeight: true };

/** The last setCanaryScale at or before index, if any. */
export function canaryScaleThrough(steps: CanaryStep[], index: number): CanaryScaleOverride | undefined {
  let found: CanaryScaleOverride | undefined;
  for (const step of steps.slice(0, Math.max(0, index + 1))) {
    const s = step.setCanaryScale;
    if (!s) continue;
    if (s.replicas !== undefined) found = { replicas: s.replicas };
    else if (s.weight !== undefined) found = { weight: s.weight };
    else found = { matchTrafficWeight: true };
  }
  return found;
}
