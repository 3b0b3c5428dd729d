/**
 * The person on call: when an analysis is inconclusive (no data after a Prometheus outage, too few samples)
 * the rollout pauses with reason InconclusiveAnalysis and waits for a human. The operator looks at what
 * clients saw of the new version lately, and decides as a person would: `sluice promote` when it served them
 * well, `sluice abort` when they saw it fail, through the CLI's own code (`promote()` / `abort()` written with
 * `updateStatus`, as the commands do). The table says how often each was needed.
 */
import { abort } from "../../src/cli/actions/abort-retry.ts";
import { promote } from "../../src/cli/actions/promote.ts";
import type { Cluster } from "../../src/cli/cluster.ts";
import { updateStatus } from "../../src/cli/rollout-access.ts";
import type { Rollout } from "../../src/api/rollout.ts";
import { stopper } from "./sleep.ts";

export type OperatorCounts = { promotes: number; aborts: number };

export type Operator = { stop(): Promise<OperatorCounts> };

/** What clients saw of one version lately. */
export type ClientVerdict = "served well" | "failed" | "too few requests";

export type OperatorOptions = {
  cluster: Cluster;
  rollout: string;
  /** The Rollout as stored now (undefined when it cannot be read). */
  read: () => Rollout | undefined;
  clientsSaw: (podHash: string) => ClientVerdict;
  say: (line: string) => void;
};

const LOOK_EVERY_MS = 500;

function inconclusiveGate(rollout: Rollout): string | undefined {
  const status = rollout.status ?? {};
  const held = (status.pauseConditions ?? []).find((p) => p.reason === "InconclusiveAnalysis" && p.gate !== undefined);
  return held?.gate && !(status.releasedGates ?? []).includes(held.gate) && !status.abort ? held.gate : undefined;
}

export function startOperator(options: OperatorOptions): Operator {
  const counts: OperatorCounts = { promotes: 0, aborts: 0 };
  const run = stopper();
  const loop = (async () => {
    while (!run.stopped) {
      await run.sleep(LOOK_EVERY_MS);
      const rollout = options.read();
      const gate = rollout && inconclusiveGate(rollout);
      const hash = rollout?.status?.currentPodHash;
      if (!gate || !hash) continue;
      const verdict = options.clientsSaw(hash);
      if (verdict === "too few requests") continue; // look again once clients have used it
      try {
        const change = verdict === "served well" ? (r: Rollout) => promote(r, { full: false }) : abort;
        const { said } = await updateStatus(options.cluster, options.rollout, change);
        if (verdict === "served well") counts.promotes++;
        else counts.aborts++;
        options.say(`operator: ${gate} inconclusive, clients saw ${hash} ${verdict}: ${said}`);
      } catch (error) {
        // An injected API fault or a refusal (the controller moved on meanwhile): look again next time.
        options.say(`operator: ${gate}: write failed (${error instanceof Error ? error.message : String(error)}); will look again`);
      }
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
