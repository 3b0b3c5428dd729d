/**
 * The controller as a process of its own (`node src/cli/bin.ts controller`), so that SIGKILL is a real crash:
 * no finally block, no graceful shutdown, requests cut mid-flight. Its logs are appended to one file per run.
 * `recovered` resolves with the time from spawn to its first successful reconcile, read from its own
 * `sluice_reconcile_duration_seconds_count{result="ok"}` (undefined if it died first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../helpers/free-port.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

export type ControllerProcessOptions = {
  kubeconfigPath: string;
  prometheusUrl: string;
  namespace: string;
  logFile: string;
};

export type ControllerProcess = {
  readonly pid: number;
  readonly spawnedAt: number;
  /** Resolves with the exit code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** ms from spawn to the first successful reconcile; undefined when it exited before one. */
  readonly recovered: Promise<number | undefined>;
  isRunning(): boolean;
  hasRecovered(): boolean;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
};

const RECOVERY_POLL_MS = 100;

/**
 * Controllers still running: they do not notice this process ending (nothing of theirs depends on it but the
 * API server's address), so they are killed when it exits, on Ctrl-C too.
 */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
const OK_RECONCILES = /^sluice_reconcile_duration_seconds_count\{result="ok"\} (\d+)/m;

async function okReconciles(port: number): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) });
    const match = OK_RECONCILES.exec(await response.text());
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // not listening yet
  }
}

export async function spawnController(options: ControllerProcessOptions): Promise<ControllerProcess> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const log = openSync(options.logFile, "a");
  const spawnedAt = Date.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(REPO_ROOT, "src", "cli", "bin.ts"),
      "controller",
      "--kubeconfig",
      options.kubeconfigPath,
      "-n",
      options.namespace,
      "--prometheus-address",
      options.prometheusUrl,
      // One address for /metrics and the health endpoints: the runner reads its recovery from /metrics.
      "--metrics-addr",
      address,
      "--health-addr",
      address,
      "--log-level",
      "info",
    ],
    { stdio: ["ignore", log, log] },
  );
  closeSync(log); // the child has its own copy of the descriptor
  // The runner's own lines in the log, so a reader sees where each process began and was killed.
  const mark = (msg: string) => appendFileSync(options.logFile, `${JSON.stringify({ level: "info", time: new Date().toISOString(), component: "chaos", pid: child.pid, msg })}\n`);
  mark("controller spawned");
  live.add(child);
  let running = true;
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once("exit", (code, signal) => {
      live.delete(child);
      running = false;
      resolve(signal ?? code);
    }),
  );
  let recoveredYet = false;
  const recovered = (async () => {
    while (running) {
      if ((await okReconciles(port)) > 0) {
        recoveredYet = true;
        return Date.now() - spawnedAt;
      }
      await new Promise((r) => setTimeout(r, RECOVERY_POLL_MS));
    }
    return undefined;
  })();
  return {
    pid: child.pid ?? 0,
    spawnedAt,
    exited,
    recovered,
    isRunning: () => running,
    hasRecovered: () => recoveredYet,
    async kill() {
      if (running) {
        mark("SIGKILL");
        child.kill("SIGKILL");
      }
      await exited;
    },
  };
}
