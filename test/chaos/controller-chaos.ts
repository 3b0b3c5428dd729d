/**
 * SIGKILLs the controller process at random moments and starts a new one after a short random delay. Most
 * kills come a random time after the new process has recovered (its first successful reconcile), so the
 * rollout keeps moving however slow start-up is on a busy machine; a share land at a random moment of
 * start-up itself (cache sync, the first reconcile, an analysis measurement). A process that exits by
 * itself is a crash: counted, its log named, and replaced.
 */
import type { ControllerProcess } from "./controller-process.ts";
import type { Chooser } from "./random-choice.ts";
import { stopper } from "./sleep.ts";

export type ControllerChaosProfile = {
  /** Uptime after recovery before the kill. */
  uptimeMs: [number, number];
  restartDelayMs: [number, number];
  /** Share of kills at a random moment of start-up instead. */
  startupShare: number;
  /** Start-up window those kills are drawn from. */
  startupMs: [number, number];
};

export type ControllerChaosCounts = {
  kills: number;
  /** Kills that landed before the process had recovered. */
  duringStartup: number;
  /** ms from restart to the first successful reconcile, for every restart that got there. */
  recoveryMs: number[];
  crashes: number;
};

export type ControllerChaos = {
  current(): ControllerProcess;
  /** Ends the kills; the controller running then keeps running. */
  stop(): Promise<ControllerChaosCounts>;
};

export function startControllerChaos(
  first: ControllerProcess,
  spawn: () => Promise<ControllerProcess>,
  choose: Chooser,
  profile: ControllerChaosProfile,
  say: (line: string) => void,
): ControllerChaos {
  const counts: ControllerChaosCounts = { kills: 0, duringStartup: 0, recoveryMs: [], crashes: 0 };
  let current = first;
  const run = stopper();
  /** Resolves when the process exits by itself (true) or the wait is over (false). */
  const crashedWithin = async (proc: ControllerProcess, wait: Promise<void>): Promise<boolean> =>
    Promise.race([proc.exited.then(() => true), wait.then(() => false)]);

  const loop = (async () => {
    let restarted = false;
    while (!run.stopped) {
      const proc = current;
      const recovery = proc.recovered.then((ms) => {
        if (ms !== undefined && restarted) counts.recoveryMs.push(ms);
        return ms;
      });
      let crashed: boolean;
      if (choose.chance(profile.startupShare)) {
        crashed = await crashedWithin(proc, run.sleep(choose.between(...profile.startupMs)));
      } else {
        const uptime = choose.between(...profile.uptimeMs);
        crashed = await crashedWithin(proc, recovery.then(() => run.sleep(uptime)));
      }
      if (crashed) {
        counts.crashes++;
        say(`controller: pid ${proc.pid} exited by itself (${String(await proc.exited)}); see the controller log`);
      } else {
        if (run.stopped) return;
        if (!proc.hasRecovered()) counts.duringStartup++;
        await proc.kill();
        counts.kills++;
      }
      await run.sleep(choose.between(...profile.restartDelayMs));
      current = await spawn();
      restarted = true;
    }
  })();
  return {
    current: () => current,
    async stop() {
      run.stop();
      await loop;
      return { ...counts, recoveryMs: [...counts.recoveryMs] };
    },
  };
}
