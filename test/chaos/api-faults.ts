/**
 * API faults through the sandbox API server's own hooks (src/sandbox/apiserver/faults.ts), in phases of a few
 * seconds. Every phase fails 5-10% of all requests with one kind (500, 429 or a timeout), and most add a
 * second rule of any kind on a random few verbs and resources (409 only on writes, where a real server sends
 * it), so every request faces 5-20%. Every few seconds every open watch is cut, sometimes after the watch
 * history was forgotten, so clients must list again on 410 Gone.
 */
import type { FaultKind, FaultRule, Verb } from "../../src/sandbox/apiserver/faults.ts";
import type { ApiServer } from "../../src/sandbox/apiserver/index.ts";
import type { Chooser } from "./random-choice.ts";
import { stopper } from "./sleep.ts";

export type ApiFaultProfile = {
  /** Fraction of requests failed by each of a phase's rules. */
  fraction: [number, number];
  /** Share of phases with a second, targeted rule. */
  targetedShare: number;
  phaseMs: [number, number];
  watchDropEveryMs: [number, number];
  /** Share of watch drops preceded by a history compaction. */
  compactShare: number;
};

export type ApiFaultCounts = {
  injected: Record<FaultKind, number>;
  /** Requests the API server answered meanwhile (faulted or not). */
  requests: number;
  /** Times every open watch was cut, and how many watches that cut in all. */
  watchDrops: number;
  watchesCut: number;
  compactions: number;
  phases: number;
};

export type ApiFaults = { stop(): Promise<ApiFaultCounts> };

const READS: readonly Verb[] = ["get", "list", "watch"];
const WRITES: readonly Verb[] = ["create", "update", "patch", "delete"];
const RESOURCES = [
  "rollouts.sluice.dev",
  "analysisruns.sluice.dev",
  "clusteranalysistemplates.sluice.dev",
  "replicasets.apps",
  "services",
  "httproutes.gateway.networking.k8s.io",
  "events",
] as const;
const KINDS: readonly FaultKind[] = ["error500", "throttle429", "conflict409", "timeout"];

const EVERYWHERE: readonly FaultKind[] = ["error500", "throttle429", "timeout"];

function rule(choose: Chooser, profile: ApiFaultProfile, fault: FaultKind, targeted: boolean): FaultRule {
  const verbs = fault === "conflict409" ? WRITES : [...READS, ...WRITES];
  const out: FaultRule = { fault, fraction: choose.between(...profile.fraction) };
  if (targeted) {
    out.verbs = choose.subset(verbs);
    if (choose.chance(0.5)) out.resources = choose.subset(RESOURCES);
  }
  if (fault === "timeout") out.timeoutMs = choose.int(1_000, 4_000);
  if (fault === "throttle429") out.retryAfterSeconds = choose.int(0, 1);
  return out;
}

function phaseRules(choose: Chooser, profile: ApiFaultProfile): FaultRule[] {
  const rules = [rule(choose, profile, choose.pick(EVERYWHERE), false)];
  if (choose.chance(profile.targetedShare)) rules.push(rule(choose, profile, choose.pick(KINDS), true));
  return rules;
}

export function startApiFaults(server: ApiServer, choose: Chooser, profile: ApiFaultProfile): ApiFaults {
  const counts = { watchDrops: 0, watchesCut: 0, compactions: 0, phases: 0 };
  const requestsBefore = server.faults.requests;
  const injectedBefore = { ...server.faults.injected };
  // The injector's own draws (which request fails) from the seed too.
  server.faults.setRandom(choose.fork("injector").random);
  const run = stopper();
  const phases = (async () => {
    const pick = choose.fork("phases");
    while (!run.stopped) {
      server.faults.setRules(phaseRules(pick, profile));
      counts.phases++;
      await run.sleep(pick.between(...profile.phaseMs));
    }
  })();
  const drops = (async () => {
    const pick = choose.fork("watch-drops");
    for (;;) {
      await run.sleep(pick.between(...profile.watchDropEveryMs));
      if (run.stopped) return;
      if (pick.chance(profile.compactShare)) {
        server.compactHistory();
        counts.compactions++;
      }
      counts.watchesCut += server.faults.dropWatches({ graceful: pick.chance(0.3) });
      counts.watchDrops++;
    }
  })();
  return {
    async stop() {
      run.stop();
      await Promise.all([phases, drops]);
      server.faults.clear();
      const injected = { ...server.faults.injected };
      for (const kind of KINDS) injected[kind] -= injectedBefore[kind];
      return { injected, requests: server.faults.requests - requestsBefore, ...counts };
    },
  };
}
