/**
 * A Job pod's container as a local process: the first container's `command` and `args` (what a container runs
 * in place of its image's entrypoint), with its literal `env`. A sandbox has no images, so a container that
 * relies on its image's entrypoint (no command) cannot run: it fails as a pod whose container cannot start.
 */
import { spawn } from "node:child_process";

export interface JobContainer {
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: ReadonlyArray<{ readonly name: string; readonly value?: string }>;
}

export interface JobProcess {
  /** Resolves with the exit code (0 = success) or, killed, 137; a process that could not start gives 128. */
  readonly exited: Promise<{ code: number; message: string }>;
  /** SIGKILL (the Job was deleted, or its deadline passed). */
  kill(): void;
}

const STDERR_KEEP = 1_000;

export function startJobProcess(container: JobContainer): JobProcess {
  const [file, ...rest] = container.command ?? [];
  if (file === undefined) return { exited: Promise.resolve({ code: 128, message: "the container has no command: the sandbox runs command and args as a local process, it has no image entrypoint" }), kill: () => undefined };
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  for (const e of container.env ?? []) env[e.name] = e.value ?? "";
  const child = spawn(file, [...rest, ...(container.args ?? [])], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP);
  });
  const exited = new Promise<{ code: number; message: string }>((resolve) => {
    child.once("error", (error) => resolve({ code: 128, message: `could not start ${file}: ${error.message}` }));
    child.once("close", (code, signal) => {
      const tail = stderr.trim();
      resolve({ code: code ?? 137, message: `${signal ? `killed (${signal})` : `exit code ${String(code)}`}${tail ? `: ${tail}` : ""}` });
    });
  });
  return {
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
