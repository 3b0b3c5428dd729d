/**
 * One pod's container as a real process: the demo app started with `node`, on a port it picks itself
 * (PORT=0, then it prints `listening on <port>`), so two pods never race for the same port. stdin is a pipe
 * the app watches (EXIT_ON_STDIN_END=1): if this process dies, even by SIGKILL, the pipe closes and the
 * child exits, so no pod outlives the sandbox.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const DEMO_APP_ENTRY = fileURLToPath(new URL("../demo-app/main.ts", import.meta.url));

export class PodStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PodStartError";
  }
}

export interface PodProcessOptions {
  /** Environment for the container (the pod template's env); PORT is always set by us. */
  readonly env: Readonly<Record<string, string>>;
  /** Script run with `node` (default: the demo app). */
  readonly entry?: string;
  /** Time allowed until `listening on <port>` (default 10 s). */
  readonly startTimeoutMs?: number;
}

export interface PodProcess {
  readonly pid: number;
  readonly port: number;
  /** Resolves when the process has exited, with its code or signal. */
  readonly exited: Promise<string>;
  /** True until the process has exited. */
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL now, synchronously (for process exit hooks, where nothing can be awaited). */
  kill(): void;
  /** The last lines it wrote to stderr (for messages about crashes). */
  stderrTail(): string;
}

const STDERR_KEEP = 2_000;

export async function startPodProcess(options: PodProcessOptions): Promise<PodProcess> {
  const child: ChildProcess = spawn(process.execPath, [options.entry ?? DEMO_APP_ENTRY], {
    env: { PATH: process.env.PATH ?? "", ...options.env, PORT: "0", EXIT_ON_STDIN_END: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP);
  });
  // A write to a dead child's stdin must not crash us; we never write, but the stream can still error.
  child.stdin?.on("error", () => undefined);
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? `exit ${String(code)}`)));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new PodStartError(`did not report a port within ${options.startTimeoutMs ?? 10_000} ms: ${stderr.trim()}`));
    }, options.startTimeoutMs ?? 10_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /listening on (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      // Keep draining stdout so a chatty child never blocks on a full pipe.
      child.stdout?.resume();
      resolve(Number(m[1]));
    };
    child.stdout?.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new PodStartError(`could not start: ${error.message}`));
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new PodStartError(`exited before listening (${how}): ${stderr.trim()}`));
    });
  });

  return {
    pid: child.pid ?? -1,
    port,
    exited,
    running,
    stderrTail: () => stderr,
    kill: () => {
      if (running()) child.kill("SIGKILL");
    },
    async stop(graceMs) {
      if (!running()) return;
      child.kill("SIGTERM");
      const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(kill);
    },
  };
}
