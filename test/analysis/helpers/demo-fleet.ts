/**
 * Real demo-app processes (stable and canaries) for integration tests, each on a free 127.0.0.1 port, and an
 * open-loop load generator: requests leave at a constant rate whatever the answers' latency (wrk2's approach,
 * so slow responses are not hidden by a client that waits for them). Everything is bounded and stopped in `after`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { REPO_ROOT } from "../../helpers/run-cli.ts";

export interface DemoProcess {
  readonly name: string;
  readonly hash: string;
  readonly port: number;
  stop(): Promise<void>;
}

const MAIN = join(REPO_ROOT, "src/sandbox/demo-app/main.ts");

export async function startDemoProcess(name: string, hash: string, env: Record<string, string>): Promise<DemoProcess> {
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: "0", POD_TEMPLATE_HASH: hash, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`demo app ${name} did not start: ${err}`)), 10_000);
    child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`demo app ${name} exited (${code}): ${err}`));
    });
  });
  return {
    name,
    hash,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const kill = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(kill);
      }
    },
  };
}

export interface Load {
  readonly sent: () => number;
  stop(): Promise<void>;
}

/** `perSecond` requests per second to each port until stop() or `maxMs`, whichever comes first. */
export function startLoad(ports: readonly number[], perSecond: number, maxMs: number): Load {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const tickMs = 10;
  const started = Date.now();
  let sent = 0;
  let due = 0;
  const inflight = new Set<Promise<void>>();
  const fire = (port: number) => {
    const p = new Promise<void>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
        res.resume();
        res.on("end", resolve);
        res.on("error", () => resolve());
      });
      req.on("error", () => resolve());
      req.setTimeout(5000, () => req.destroy());
      req.end();
    });
    inflight.add(p);
    void p.then(() => inflight.delete(p));
    sent++;
  };
  const timer = setInterval(() => {
    const elapsed = Date.now() - started;
    if (elapsed > maxMs) {
      clearInterval(timer);
      return;
    }
    // Catch up to the schedule (open loop): the number due by now, whatever happened to earlier requests.
    const target = Math.floor((elapsed / 1000) * perSecond);
    for (; due < target; due++) for (const port of ports) fire(port);
  }, tickMs);
  return {
    sent: () => sent,
    async stop() {
      clearInterval(timer);
      await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => setTimeout(r, 2000))]);
      agent.destroy();
    },
  };
}
