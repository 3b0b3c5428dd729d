/**
 * How hard and how long a chaos run pushes: the bounded CI profile (three scenarios, ≥ 50 controller kills in
 * all, within 8 minutes on a 2-core machine) and the longer local one (`-- --long`: more rounds).
 */
import type { ApiFaultProfile } from "./api-faults.ts";
import type { ControllerChaosProfile } from "./controller-chaos.ts";
import type { PrometheusChaosProfile } from "./prometheus-chaos.ts";

export type ChaosProfile = {
  name: "ci" | "long";
  /** Every scenario runs this many times (with its own seed each time). */
  rounds: number;
  controller: ControllerChaosProfile;
  api: ApiFaultProfile;
  prometheus: PrometheusChaosProfile;
  /** provider.prometheus.timeout of the scenarios' metrics. */
  queryTimeout: string;
  /**
   * inconclusiveLimit of the scenarios' metrics: a measurement right after a Prometheus outage finds its window
   * empty and is inconclusive (never a pass); one per metric is forgiven, as one would configure analysis
   * against a Prometheus known to have gaps. The thresholds themselves are the sandbox's.
   */
  inconclusiveLimit: number;
  /**
   * Looks of the request judge (the sandbox's 12 otherwise): a look is taken only while a controller lives
   * long enough to measure, and not while Prometheus is stopped (12-16 s of retries), so 12 looks took most
   * of a scenario's time; 6 still judge on every restart and Prometheus outage.
   */
  judgeCount: number;
  /** Poll period of the invariant checks. */
  pollMs: number;
  /** A scenario that has not reached its final phase this long after the new version was applied fails. */
  scenarioTimeoutMs: number;
  /** A full run fails with fewer controller kills than this per round: too few kills prove too little. */
  minKillsPerRound: number;
};

const QUERY_TIMEOUT_MS = 3_000;

// Controllers live 0.3-1.8 s: rollouts got faster (fewer reconciles per step); at up to 3 s a run's kill
// count came out at 48-58 against its floor of 50, and at up to 2.5 s still at 48-54.
const CI: ChaosProfile = {
  name: "ci",
  rounds: 1,
  controller: { uptimeMs: [300, 1_800], restartDelayMs: [100, 600], startupShare: 0.25, startupMs: [200, 2_000] },
  api: { fraction: [0.05, 0.1], targetedShare: 0.6, phaseMs: [3_000, 8_000], watchDropEveryMs: [4_000, 10_000], compactShare: 0.25 },
  // A query times out after 3 s and is tried 4 times (src/providers/prometheus-http.ts: DEFAULT_RETRY), 12-16 s
  // in all: stops of 4-20 s land on both sides of that. A kill is down 1-6 s, and a restarted Prometheus
  // scrapes nothing for about 5 s more (its discovery manager passes targets on every 5 s).
  prometheus: { everyMs: [12_000, 25_000], downMs: [1_000, 6_000], stopMs: [QUERY_TIMEOUT_MS + 1_000, 20_000] },
  queryTimeout: `${QUERY_TIMEOUT_MS / 1000}s`,
  inconclusiveLimit: 1,
  judgeCount: 6,
  pollMs: 150,
  scenarioTimeoutMs: 240_000,
  minKillsPerRound: 50,
};

export const PROFILES: Record<ChaosProfile["name"], ChaosProfile> = {
  ci: CI,
  long: { ...CI, name: "long", rounds: 4, scenarioTimeoutMs: 300_000 },
};
