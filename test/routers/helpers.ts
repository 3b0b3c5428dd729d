/** Shared by the router tests: fixtures from YAML, Rollouts for each router, desired routings. */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { rolloutSchema, type Rollout, type RolloutInput } from "../../src/api/rollout.ts";
import type { TrafficRouting } from "../../src/api/traffic-routing.ts";
import type { DesiredRouting } from "../../src/core/routing.ts";
import { isRouterProblem, type RouterProblem } from "../../src/routers/types.ts";

export function fixture(name: string): Record<string, unknown> {
  return parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;
}

/** The base Rollout with `trafficRouting` replaced, parsed (defaults applied) as the controller would. */
export function rolloutWith(trafficRouting: TrafficRouting | undefined, edit?: (raw: RolloutInput) => void): Rollout {
  const raw = fixture("rollout-base.yaml") as RolloutInput;
  const canary = raw.spec.strategy.canary;
  if (!canary) throw new Error("rollout-base.yaml must have a canary strategy");
  if (trafficRouting === undefined) delete canary.trafficRouting;
  else canary.trafficRouting = trafficRouting;
  edit?.(raw);
  return rolloutSchema.parse(raw);
}

export function routing(canaryWeight: number, extra: Partial<DesiredRouting> = {}): DesiredRouting {
  return { canaryWeight, headerRoutes: [], mirrorRoutes: [], ...extra };
}

/** Narrows a builder result to its object, failing the test with the problem's message otherwise. */
export function ok<T>(result: T | RouterProblem): T {
  if (isRouterProblem(result)) throw new Error(`unexpected RouterProblem ${result.code}: ${result.message}`);
  return result;
}

export function problem(result: unknown): RouterProblem {
  if (!isRouterProblem(result)) throw new Error(`expected a RouterProblem, got ${JSON.stringify(result).slice(0, 300)}`);
  return result;
}
