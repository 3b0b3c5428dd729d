/**
 * Prometheus trouble mid-analysis: while an AnalysisRun of the Rollout is running, now and then either SIGKILL
 * Prometheus and start it again on the same port and TSDB after a short delay (a crash and a restart), or
 * SIGSTOP it for longer than the metrics' query timeout and SIGCONT it (a Prometheus that hangs). Measurements
 * taken meanwhile fail with an error and are retried at the next interval; a gap in the data can make one
 * inconclusive, never a pass.
 */
import type { RunningPrometheus } from "../../src/sandbox/prometheus.ts";
import type { Chooser } from "./random-choice.ts";
import { stopper } from "./sleep.ts";

export type PrometheusChaosProfile = {
  /** Time between two troubles while an analysis runs. */
  everyMs: [number, number];
  /** How long it stays down after a kill before the restart. */
  downMs: [number, number];
  /**
   * How long a SIGSTOP lasts: always past the metrics' query timeout, sometimes (below the provider's whole
   * retry budget) absorbed by a retry, sometimes (past it) an Error measurement.
   */
  stopMs: [number, number];
};

export type PrometheusChaosCounts = { kills: number; stops: number; downMs: number };

export type PrometheusChaos = { stop(): Promise<PrometheusChaosCounts> };

export function startPrometheusChaos(
  prometheus: RunningPrometheus,
  analysisRunning: () => boolean,
  choose: Chooser,
  profile: PrometheusChaosProfile,
  say: (line: string) => void,
): PrometheusChaos {
  const counts: PrometheusChaosCounts = { kills: 0, stops: 0, downMs: 0 };
  const run = stopper();
  const loop = (async () => {
    while (!run.stopped) {
      await run.sleep(choose.between(...profile.everyMs));
      // Wait for an analysis, so the trouble lands mid-analysis rather than where nothing reads Prometheus.
      while (!run.stopped && !analysisRunning()) await run.sleep(250);
      if (run.stopped) return;
      const started = Date.now();
      if (choose.chance(0.5)) {
        await prometheus.kill();
        counts.kills++;
        // Restart even when stopping meanwhile: the rest of the scenario needs its data.
        await new Promise((r) => setTimeout(r, choose.between(...profile.downMs)));
        await prometheus.restart().catch((error: unknown) => say(`prometheus: restart failed: ${String(error)}`));
      } else {
        prometheus.pause();
        counts.stops++;
        await new Promise((r) => setTimeout(r, choose.between(...profile.stopMs)));
        prometheus.resume();
      }
      counts.downMs += Date.now() - started;
    }
  })();
  return {
    async stop() {
      run.stop();
      await loop;
      return { ...counts };
    },
  };
}
