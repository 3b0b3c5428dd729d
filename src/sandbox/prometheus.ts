/**
 * A real Prometheus for tests and the sandbox: the `prometheus` binary (Debian package `prometheus`) started on
 * 127.0.0.1 with a generated config, a temporary TSDB, and file-based service discovery, so targets can be
 * added and removed while it runs (`setTargets`). `start` resolves once `/-/ready` answers; `stop` ends the
 * process and removes its files. `kill`, `restart`, `pause` and `resume` are for chaos tests: a crash, a
 * restart on the same data, a process that hangs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ScrapeTarget {
  /** host:port serving /metrics. */
  readonly address: string;
  /** Extra labels attached to every series scraped from it. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PrometheusOptions {
  readonly binary?: string;
  readonly targets?: readonly ScrapeTarget[];
  /** e.g. "1s". */
  readonly scrapeInterval?: string;
  /** 0 or absent = a free port. */
  readonly port?: number;
  readonly readyTimeoutMs?: number;
}

export interface RunningPrometheus {
  readonly url: string;
  readonly port: number;
  readonly version: string;
  /** Config, targets file and TSDB; removed by stop(). */
  readonly directory: string;
  setTargets(targets: readonly ScrapeTarget[]): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL the Prometheus process (not its guard), keeping its directory: a crash. */
  kill(): Promise<void>;
  /** Start it again on the same port, config and TSDB (ending it first if it runs); resolves once it is ready. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT the Prometheus process: it holds every connection and answers nothing until resumed. */
  pause(): void;
  resume(): void;
}

export class PrometheusNotInstalledError extends Error {
  constructor(binary: string) {
    super(`Prometheus binary not found at ${binary}; install it with: apt-get update && apt-get install -y prometheus (Debian/Ubuntu), or set SLUICE_PROMETHEUS_BINARY`);
    this.name = "PrometheusNotInstalledError";
  }
}

export const DEFAULT_PROMETHEUS_BINARY = process.env.SLUICE_PROMETHEUS_BINARY ?? "/usr/bin/prometheus";

export function prometheusInstalled(binary = DEFAULT_PROMETHEUS_BINARY): boolean {
  try {
    accessSync(binary, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function configYaml(scrapeInterval: string, targetsFile: string): string {
  // JSON is valid YAML; no YAML writer needed for a config this small.
  return JSON.stringify({
    global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval },
    scrape_configs: [
      { job_name: "sluice-sandbox", scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, file_sd_configs: [{ files: [targetsFile], refresh_interval: "1s" }] },
    ],
  });
}

async function writeTargets(file: string, targets: readonly ScrapeTarget[]): Promise<void> {
  // Write-then-rename: Prometheus watches the file and must never read half of it.
  const body = JSON.stringify(targets.map((t) => ({ targets: [t.address], labels: { ...(t.labels ?? {}) } })));
  await writeFile(`${file}.tmp`, body);
  await rename(`${file}.tmp`, file);
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with code ${child.exitCode}: ${stderr().slice(-800)}`);
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus not ready within ${timeoutMs} ms: ${stderr().slice(-800)}`);
}

/** One Prometheus process under its guard, started on a prepared directory; resolves once it is ready. */
type Launched = { guard: ChildProcess; pid: number; exited: Promise<void>; stderr: () => string };

async function launch(binary: string, dir: string, port: number, readyTimeoutMs: number): Promise<Launched> {
  const url = `http://127.0.0.1:${port}`;
  const pidFile = join(dir, "prometheus.pid");
  await rm(pidFile, { force: true });
  // Prometheus does not notice its parent dying, so it runs under a small shell guard that holds a pipe from
  // us: when the pipe closes (stop(), or this process killed even by SIGKILL), the guard stops Prometheus.
  // The guard writes Prometheus' own pid, so chaos tests can signal the process itself (SIGKILL, SIGSTOP).
  const guard = spawn(
    "/bin/sh",
    [
      "-c",
      // A background job's stdin is /dev/null unless redirected, hence fd 3 for the pipe.
      'exec 3<&0; trap \'kill "$child" 2>/dev/null\' TERM INT; "$@" </dev/null & child=$!; echo "$child" > "$PID_FILE"; { cat <&3 >/dev/null; kill "$child" 2>/dev/null; } & wait "$child"; wait "$child"',
      "prometheus-guard",
      binary,
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-lifecycle",
      "--log.level=warn",
    ],
    { stdio: ["pipe", "ignore", "pipe"], env: { ...process.env, PID_FILE: pidFile } },
  );
  let stderr = "";
  guard.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => guard.once("exit", () => resolve()));
  const launched: Launched = { guard, pid: 0, exited, stderr: () => stderr };
  try {
    await waitReady(url, guard, readyTimeoutMs, () => stderr);
    launched.pid = Number((await readFile(pidFile, "utf8")).trim());
  } catch (error) {
    await endGuard(launched);
    throw error;
  }
  return launched;
}

/** SIGTERM to Prometheus through its guard (SIGKILL after 5 s); resolves once the guard is gone. */
async function endGuard(launched: Launched): Promise<void> {
  const { guard } = launched;
  if (guard.exitCode !== null || guard.signalCode !== null) {
    guard.stdin?.end(); // the guard's reader of the pipe may still be waiting
    return;
  }
  if (launched.pid > 0) signalQuietly(launched.pid, "SIGCONT"); // a stopped process cannot act on SIGTERM
  guard.stdin?.end(); // the guard's pipe: Prometheus gets SIGTERM
  guard.kill("SIGTERM");
  const killTimer = setTimeout(() => {
    if (launched.pid > 0) signalQuietly(launched.pid, "SIGKILL");
    guard.kill("SIGKILL");
  }, 5000);
  await launched.exited;
  clearTimeout(killTimer);
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const binary = options.binary ?? DEFAULT_PROMETHEUS_BINARY;
  if (!prometheusInstalled(binary)) throw new PrometheusNotInstalledError(binary);
  const dir = await mkdtemp(join(tmpdir(), "sluice-prometheus-"));
  const targetsFile = join(dir, "targets.json");
  await writeTargets(targetsFile, options.targets ?? []);
  await writeFile(join(dir, "prometheus.yml"), configYaml(options.scrapeInterval ?? "1s", targetsFile));
  const port = options.port || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  let current: Launched;
  try {
    current = await launch(binary, dir, port, readyTimeoutMs);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const stop = async () => {
    await endGuard(current);
    await rm(dir, { recursive: true, force: true });
  };
  const build = (await (await fetch(`${url}/api/v1/status/buildinfo`)).json()) as { data?: { version?: string } };
  return {
    url,
    port,
    version: build.data?.version ?? "unknown",
    directory: dir,
    setTargets: (targets) => writeTargets(targetsFile, targets),
    stop,
    async kill() {
      signalQuietly(current.pid, "SIGKILL");
      await current.exited;
      current.guard.stdin?.end();
    },
    async restart() {
      await endGuard(current);
      current = await launch(binary, dir, port, readyTimeoutMs);
    },
    pause: () => signalQuietly(current.pid, "SIGSTOP"),
    resume: () => signalQuietly(current.pid, "SIGCONT"),
  };
}
