/** The scenario's client traffic: the sandbox load generator behind the small Traffic interface. */
import { startLoad } from "../load/index.ts";
import type { StartTraffic } from "./run-scenario.ts";

/** Bounded: no scenario runs longer than this, so neither does its load. */
const MAX_TRAFFIC_MS = 15 * 60_000;

export const loadTraffic: StartTraffic = (target, ratePerSecond) => {
  const load = startLoad({ url: `${target}/`, ratePerSecond, durationMs: MAX_TRAFFIC_MS });
  return {
    stats(from, to) {
      const s = load.stats({ fromMs: from, toMs: to });
      return {
        count: s.count,
        errors: s.errors,
        latencyMs: { p50: s.p50, p99: s.p99, p999: s.p999, max: s.max },
        byHash: new Map(Object.entries(s.byVersion).map(([hash, v]) => [hash, v.count])),
      };
    },
    async stop() {
      await load.stop();
    },
  };
};
