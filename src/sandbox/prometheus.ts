/**
 * A real Prometheus for tests and the sandbox: the `prometheus` binary (Debian package `prometheus`) started on
 * 127.0.0.1 with a generated config, a temporary TSDB, and file-based service discovery, so targets can be
 * added and removed while it runs (`setTargets`). `start` resolves once `/-/ready` answers; `stop` ends the
 * process and removes its files.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
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

export async function startPrometheus(options: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const binary = options.binary ?? DEFAULT_PROMETHEUS_BINARY;
  if (!prometheusInstalled(binary)) throw new PrometheusNotInstalledError(binary);
  const dir = await mkdtemp(join(tmpdir(), "sluice-prometheus-"));
  const targetsFile = join(dir, "targets.json");
  await writeTargets(targetsFile, options.targets ?? []);
  const configFile = join(dir, "prometheus.yml");
  await writeFile(configFile, configYaml(options.scrapeInterval ?? "1s", targetsFile));
  const port = options.port || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  // Prometheus does not notice its parent dying, so it runs under a small shell guard that holds a pipe from
  // us: when the pipe closes (stop(), or this process killed even by SIGKILL), the guard stops Prometheus.
  const child = spawn(
    "/bin/sh",
    [
      "-c",
      // A background job's stdin is /dev/null unless redirected, hence fd 3 for the pipe.
      'exec 3<&0; trap \'kill "$child" 2>/dev/null\' TERM INT; "$@" </dev/null & child=$!; { cat <&3 >/dev/null; kill "$child" 2>/dev/null; } & wait "$child"; wait "$child"',
      "prometheus-guard",
      binary,
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-lifecycle",
      "--log.level=warn",
    ],
    { stdio: ["pipe", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end(); // the guard's pipe: Prometheus gets SIGTERM
      child.kill("SIGTERM");
      const killTimer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killTimer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, options.readyTimeoutMs ?? 20_000, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  const build = (await (await fetch(`${url}/api/v1/status/buildinfo`)).json()) as { data?: { version?: string } };
  return { url, port, version: build.data?.version ?? "unknown", directory: dir, setTargets: (targets) => writeTargets(targetsFile, targets), stop };
}
