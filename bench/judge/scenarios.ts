/**
 * The cells: traffic splits, scenarios (what the canary does differently) and the targets the table
 * checks. 100 requests/s in all; stable's latency is log-normal (median 40 ms, sigma 0.5) and 0.1% of its
 * requests fail.
 */
import { binProbabilities, logNormal, scaled, slowestStretched, type LatencyDistribution } from "./latency-model.ts";

export const TOTAL_RATE = 100;
export const CANARY_SHARES: readonly number[] = [0.05, 0.1, 0.5];
export const BASE_LATENCY: LatencyDistribution = logNormal(0.04, 0.5);
export const BASE_ERROR_RATE = 0.001;

/** What a scenario is judged on: its latency, its errors, or (the null) both. */
export type ScenarioKind = "null" | "latency" | "errors";

export interface Target {
  /** The bound on the abort rate: at most (null) or at least (a regression). */
  readonly bound: "at most" | "at least";
  readonly rate: number;
  /** Within this many minutes of canary traffic. */
  readonly withinMinutes: number;
  /** Canary shares the issue sets it for (its power targets are stated at a 10% canary). */
  readonly shares: readonly number[];
}

export interface Scenario {
  /** Short name for --only. */
  readonly id: string;
  readonly label: string;
  readonly kind: ScenarioKind;
  readonly canaryLatency: LatencyDistribution;
  readonly canaryErrorRate: number;
  readonly target?: Target;
}

const atTenPercent = [0.1];

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "null",
    label: "null",
    kind: "null",
    canaryLatency: BASE_LATENCY,
    canaryErrorRate: BASE_ERROR_RATE,
    target: { bound: "at most", rate: 0.02, withinMinutes: 10, shares: CANARY_SHARES },
  },
  {
    id: "median",
    label: "median +20%",
    kind: "latency",
    canaryLatency: scaled(BASE_LATENCY, 1.2),
    canaryErrorRate: BASE_ERROR_RATE,
    target: { bound: "at least", rate: 0.99, withinMinutes: 2, shares: atTenPercent },
  },
  {
    id: "slowest1",
    label: "slowest 1% x2",
    kind: "latency",
    canaryLatency: slowestStretched(BASE_LATENCY, 0.01, 2),
    canaryErrorRate: BASE_ERROR_RATE,
    target: { bound: "at least", rate: 0.95, withinMinutes: 5, shares: atTenPercent },
  },
  {
    id: "slowest0.1",
    label: "slowest 0.1% x2",
    kind: "latency",
    canaryLatency: slowestStretched(BASE_LATENCY, 0.001, 2),
    canaryErrorRate: BASE_ERROR_RATE,
    target: { bound: "at least", rate: 0.8, withinMinutes: 10, shares: atTenPercent },
  },
  {
    id: "errors1",
    label: "errors 0.1% -> 1%",
    kind: "errors",
    canaryLatency: BASE_LATENCY,
    canaryErrorRate: 0.01,
    target: { bound: "at least", rate: 0.95, withinMinutes: 3, shares: atTenPercent },
  },
  { id: "errors+0.1pp", label: "errors +0.1 pp", kind: "errors", canaryLatency: BASE_LATENCY, canaryErrorRate: BASE_ERROR_RATE + 0.001 },
  { id: "errors+1pp", label: "errors +1 pp", kind: "errors", canaryLatency: BASE_LATENCY, canaryErrorRate: BASE_ERROR_RATE + 0.01 },
];

export const BASE_BINS: Float64Array = binProbabilities(BASE_LATENCY);

export function canaryBins(scenario: Scenario): Float64Array {
  return binProbabilities(scenario.canaryLatency);
}
