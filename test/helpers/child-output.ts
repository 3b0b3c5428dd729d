/** A child process whose output the test reads as it comes: poll for a pattern, then read or kill it. */
import assert from "node:assert/strict";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

export interface WatchedChild {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The first match of `pattern` in stdout, waiting up to `timeoutMs`; fails the test (with the output) after. */
  waitFor(what: string, pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The exit code (null after a signal). */
  readonly exited: Promise<number | null>;
}

export function spawnWatched(command: string, args: readonly string[], options: SpawnOptions = {}): WatchedChild {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(what, pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(out);
        if (match) return match;
        assert.ok(Date.now() < deadline && child.exitCode === null, `waiting for ${what}:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
