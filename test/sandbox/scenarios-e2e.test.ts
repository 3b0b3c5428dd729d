/**
 * End to end: `sluice sandbox` as a user runs it (a child process, headless), for every scenario, with a real
 * Prometheus and real demo-app processes. Asserts the outcome, the client-side numbers the summary prints,
 * and that no process outlives the sandbox (normal exit, SIGINT, crash).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { prometheusInstalled } from "../../src/sandbox/prometheus.ts";
import { spawnWatched } from "../helpers/child-output.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

const BIN = join(REPO_ROOT, "src", "cli", "bin.ts");
const skip = prometheusInstalled() ? false : "the prometheus binary is not installed (apt-get install -y prometheus)";

type Run = { code: number | null; out: string; pids: number[] };

/** Sandboxes still running when the file ends (a failed or timed-out test) are stopped like Ctrl-C would. */
const running = new Set<ReturnType<typeof spawn>>();
after(() => {
  for (const child of running) if (child.exitCode === null) child.kill("SIGINT");
});

/** Pids of the sandbox's children (demo-app pods, Prometheus) still alive among those the run printed or spawned. */
function aliveChildren(parentPid: number): number[] {
  const ps = spawnSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" }).stdout;
  return ps
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid]) => Number(ppid) === parentPid)
    .map(([pid]) => Number(pid));
}

function processesMatching(marker: string): number[] {
  const ps = spawnSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" }).stdout;
  return ps.split("\n").filter((l) => l.includes(marker)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

async function runSandbox(args: string[], options: { killAfterMs?: number; signal?: NodeJS.Signals } = {}): Promise<Run> {
  const child = spawn(process.execPath, [BIN, "sandbox", "--headless", ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const pids = new Set<number>();
  const sampler = setInterval(() => {
    if (child.pid) for (const pid of aliveChildren(child.pid)) pids.add(pid);
  }, 200);
  if (options.killAfterMs !== undefined) {
    setTimeout(() => child.kill(options.signal ?? "SIGINT"), options.killAfterMs);
  }
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearInterval(sampler);
  return { code, out, pids: [...pids] };
}

function stillAlive(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

/** The cells of a summary row (found by its step label), by column header. */
function row(out: string, label: RegExp): Record<string, string> {
  const lines = out.split("\n");
  const header = lines.find((l) => l.startsWith("step "))?.split(/\s{2,}/);
  const line = lines.find((l) => label.test(l));
  assert.ok(header && line, `no summary row ${label}:\n${out}`);
  const cells = line.split(/\s{2,}/);
  return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""]));
}

test("canary-abort: aborted at the first analysis; clients saw errors only while the canary had weight", { skip, timeout: 180_000 }, async () => {
  const run = await runSandbox(["--scenario", "canary-abort", "--speed", "2"]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /canary-abort: Aborted \(expected Aborted\)/);
  assert.match(run.out, /✔ clients saw errors while the canary had weight \((\d+)\)/);
  assert.match(run.out, /✔ clients saw no errors after the abort \(0 of \d+\)/);
  const analysis = row(run.out, /^2\/5 analysis sandbox-error-rate/);
  assert.equal(analysis.weight, "20%");
  assert.ok(Number(analysis["canary req"]) > 0, "the canary served requests at 20%");
  assert.match(analysis.analysis ?? "", /error-rate 0\.0\d+ ✖/);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(stillAlive(run.pids), [], "no child process outlives a normal exit");
});

test("canary-tail: fine at p99, slow at p99.9: aborted by the tail analysis and the judge", { skip, timeout: 180_000 }, async () => {
  const run = await runSandbox(["--scenario", "canary-tail", "--speed", "2"]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /canary-tail: Aborted \(expected Aborted\)/);
  const analysis = row(run.out, /^4\/5 analysis sandbox-latency, sandbox-judge/);
  assert.equal(analysis.weight, "50%");
  // Clients saw the tail: the median stays low while p99.9 and the slowest request are above the 250 ms the
  // slow requests add.
  assert.ok(Number.parseFloat(analysis.p50 ?? "") < 250, `client p50 ${analysis.p50}`);
  assert.ok(Number.parseFloat(analysis["p99.9"] ?? "0") >= 250, `client p99.9 ${analysis["p99.9"]}`);
  assert.ok(Number.parseFloat(analysis.max ?? "0") >= Number.parseFloat(analysis["p99.9"] ?? ""), `client max ${analysis.max}`);
  assert.match(run.out, /final status: Aborted: aborted: analysis demo-\w+-3 failed: metric "(p99\.9-latency|slower-than-250ms|latency-vs-stable)"/);
});

test("canary-promote: a good version walks every step to Healthy; clients saw no errors", { skip, timeout: 180_000 }, async () => {
  const run = await runSandbox(["--scenario", "canary-promote", "--speed", "2"]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /canary-promote: Healthy \(expected Healthy\)/);
  assert.match(run.out, /✔ clients saw no errors during the rollout \(0 of \d+\)/);
  for (const step of [/^1\/5 set weight 20%/, /^2\/5 analysis/, /^3\/5 set weight 50%/, /^4\/5 analysis/, /^5\/5 pause/, /^promoted/]) row(run.out, step);
});

test("blue-green --auto: the preview is checked, then the active Service switches", { skip, timeout: 180_000 }, async () => {
  const run = await runSandbox(["--scenario", "blue-green", "--auto", "--speed", "2"]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /blue-green: Healthy \(expected Healthy\)/);
  assert.match(run.out, /preview at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(run.out, /error-rate 0 ✔/);
});

test("blue-green by hand: the preview serves v2 at its printed URL until `sluice promote` from another process", { skip, timeout: 180_000 }, async () => {
  const sandbox = spawnWatched(process.execPath, [BIN, "sandbox", "--headless", "--scenario", "blue-green", "--speed", "2"], { cwd: REPO_ROOT });
  running.add(sandbox.child);
  const waitFor = (what: string, pattern: RegExp) => sandbox.waitFor(what, pattern, 120_000);
  const [, active, preview] = await waitFor("the URLs", /through (http:\/\/127\.0\.0\.1:\d+); preview at (http:\/\/127\.0\.0\.1:\d+)/);
  const [, kubeconfig] = await waitFor("the promote hint", /promote it from another terminal: sluice --kubeconfig (\S+) promote demo/);
  await waitFor("the pause for promotion", /Paused .*promote/);
  const served = async (url: string | undefined) => (await fetch(`${url}/`)).headers.get("x-sluice-pod-hash");
  const [activeHash, previewHash] = [await served(active), await served(preview)];
  assert.ok(activeHash && previewHash && activeHash !== previewHash, `active ${activeHash} and preview ${previewHash} are different versions`);

  const promote = spawnSync(process.execPath, [BIN, "--kubeconfig", kubeconfig ?? "", "promote", "demo"], { cwd: REPO_ROOT, encoding: "utf8" });
  assert.equal(promote.status, 0, promote.stderr);
  assert.match(promote.stdout, /^rollout "demo" promoted: /, "promote ended the blue-green pause");
  assert.equal(await sandbox.exited, 0, sandbox.stdout());
  assert.match(sandbox.stdout(), /blue-green: Healthy \(expected Healthy\)/);
});

test("SIGINT mid-scenario and a crash both leave no process behind", { skip, timeout: 120_000 }, async () => {
  const interrupted = await runSandbox(["--scenario", "canary-promote"], { killAfterMs: 12_000, signal: "SIGINT" });
  assert.match(interrupted.out, /interrupted; cleaning up/);
  assert.ok(interrupted.pids.length >= 3, `pods and Prometheus were running (${interrupted.pids.length} children seen)`);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(stillAlive(interrupted.pids), [], "no child outlives SIGINT");

  const crashed = await runSandbox(["--scenario", "canary-promote"], { killAfterMs: 12_000, signal: "SIGKILL" });
  assert.ok(crashed.pids.length >= 3);
  // Pods exit when their stdin pipe closes; Prometheus is watched the same way.
  const deadline = Date.now() + 10_000;
  while (stillAlive(crashed.pids).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(stillAlive(crashed.pids), [], `no child outlives a crash: ${processesMatching("demo-app").join(",")}`);
});
