/**
 * Issue 13's scale bench: the sandbox API server and the controller as separate processes (as a user runs
 * them), N Rollouts (2 replicas, steps [setWeight 50, pause 1s], no router), first deployment then canary
 * cycles (a new image for all), measured from outside: RSS from /proc, heap and API requests from the
 * controller's /metrics, watch events from the API server's /_sandbox/stats, idle CPU over 30 s starting 10 s
 * after the last cycle settled, at the largest size of the run (the target is stated there; measuring it at
 * every size would take the default run of three sizes past 10 minutes).
 *
 * Run: node bench/scale.ts [--rollouts 1000,5000,10000] [--cycles 3] [--idle-seconds 30] [--soak] [--node-defaults | --controller-node-flags="--max-old-space-size=256"]
 *   The controller runs with the NODE_OPTIONS deploy/base/controller-deployment.yaml ships (its V8 memory profile) unless
 *   --node-defaults (V8's own sizing, as `sluice controller` runs from a shell) or --controller-node-flags.
 *   --soak: 20 cycles of 1,000 Rollouts, for the memory slope (RSS after the last within 10% of after the first).
 */
import { KubeConfig } from "@kubernetes/client-node";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFleet, FleetWatch, fleetClient, setImage, STEPS_PER_CYCLE } from "./scale/fleet.ts";
import { cpuSeconds, rssMiB, shippedControllerNodeOptions, startApiServer, startControllerProcess, type Measured } from "./scale/processes.ts";
import { freePort } from "../test/helpers/free-port.ts";
import { scrape, sumOf, type Sample } from "./scale/prom-text.ts";

type Options = { rollouts: number[]; cycles: number; idleSeconds: number; soak: boolean; controllerNodeFlags: string[] };

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { rollouts: [1000, 5000, 10000], cycles: 3, idleSeconds: 30, soak: false, controllerNodeFlags: shippedControllerNodeOptions() };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === "--rollouts" && value) o.rollouts = value.split(",").map(Number);
    else if (flag === "--cycles" && value) o.cycles = Number(value);
    else if (flag === "--idle-seconds" && value) o.idleSeconds = Number(value);
    // e.g. --controller-node-flags=--max-old-space-size=256: the controller's V8 heap bound, as NODE_OPTIONS sets it in a pod.
    else if (flag?.startsWith("--controller-node-flags=")) {
      o.controllerNodeFlags = flag.slice("--controller-node-flags=".length).split(" ").filter(Boolean);
      continue;
    }
    else if (flag === "--node-defaults") {
      o.controllerNodeFlags = [];
      continue;
    } else if (flag === "--soak") {
      o.soak = true;
      continue;
    } else throw new Error(`unknown argument ${flag}; see the comment at the top of bench/scale.ts`);
    i++;
  }
  if (o.soak) {
    o.rollouts = [1000];
    o.cycles = 20;
  }
  return o;
}

type Row = {
  rollouts: number;
  phase: string;
  seconds: number;
  controllerRss: number;
  controllerHeap: number;
  apiserverRss: number;
  reconcilesPerStep: number;
  writesPerStep: number;
  readsPerStep: number;
  writesByVerbKind: string;
  watchEventsPerSecond: number;
};

const MiB = 1024 * 1024;
const WRITE_VERBS = new Set(["create", "update", "patch", "delete"]);

type SandboxStats = { watchEvents: number; requests: Record<string, number> };
async function sandboxStats(url: string): Promise<SandboxStats> {
  return (await (await fetch(`${url}/_sandbox/stats`)).json()) as SandboxStats;
}

/** Requests the API server served between two readings, "verb resource n" (the bench's own are none: it only watches). */
function requestsBetween(a: SandboxStats, b: SandboxStats): string {
  const out = Object.entries(b.requests)
    .map(([k, v]) => [k, v - (a.requests[k] ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`);
  return out.length ? out.join(", ") : "none";
}

function requestsByVerbKind(samples: readonly Sample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) if (s.name === "sluice_kube_api_requests_total") out.set(`${s.labels.verb} ${s.labels.kind}`, (out.get(`${s.labels.verb} ${s.labels.kind}`) ?? 0) + s.value);
  return out;
}

async function runFleet(n: number, o: Options, rows: Row[], idle: { rollouts: number; cpuPercent: number }[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-scale-"));
  const kubeconfig = join(dir, "kubeconfig");
  const root = join(import.meta.dirname, "..");
  const crds = readdirSync(join(root, "crds")).map((f) => join(root, "crds", f));
  const api = await startApiServer(kubeconfig, crds);
  let controller: Measured | undefined;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const kube = fleetClient(kc);
  const watch = await FleetWatch.start(api.url);
  try {
    const setupStart = performance.now();
    await createFleet(kube, n, "registry/app:0");
    const createdMs = performance.now() - setupStart;
    const metricsPort = await freePort();
    controller = startControllerProcess(kubeconfig, metricsPort, ["--workers", "8"], o.controllerNodeFlags);
    const pid = controller.pid;
    // Wait for /metrics before timing anything.
    for (let i = 0; ; i++) {
      try {
        await scrape(metricsPort);
        break;
      } catch (error) {
        if (i > 200) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    process.stdout.write(`(${n} Rollouts created in ${(createdMs / 1000).toFixed(1)} s; controller serving /metrics ${((performance.now() - setupStart - createdMs) / 1000).toFixed(1)} s later)\n`);
    const timeoutMs = Math.max(120_000, n * 120);
    let before = await scrape(metricsPort);
    let statsBefore = await sandboxStats(api.url);
    let benchEventsBefore = watch.eventsReceived;
    const measure = async (phase: string, seconds: number, steps: number) => {
      const after = await scrape(metricsPort);
      const stats = await sandboxStats(api.url);
      const reqA = requestsByVerbKind(after);
      const reqB = requestsByVerbKind(before);
      const delta = [...reqA].map(([k, v]) => [k, v - (reqB.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
      const writes = delta.filter(([k]) => WRITE_VERBS.has(k.split(" ")[0] ?? ""));
      const perStep = (x: number) => x / (n * steps);
      const reconciles = sumOf(after, "sluice_reconcile_duration_seconds_count") - sumOf(before, "sluice_reconcile_duration_seconds_count");
      rows.push({
        rollouts: n,
        phase,
        seconds,
        controllerRss: rssMiB(pid),
        controllerHeap: sumOf(after, "sluice_process_nodejs_heap_size_used_bytes") / MiB,
        apiserverRss: rssMiB(api.pid),
        reconcilesPerStep: perStep(reconciles),
        writesPerStep: perStep(writes.reduce((s, [, v]) => s + v, 0)),
        readsPerStep: perStep(delta.filter(([k]) => !WRITE_VERBS.has(k.split(" ")[0] ?? "")).reduce((s, [, v]) => s + v, 0)),
        writesByVerbKind: writes.map(([k, v]) => `${k} ${perStep(v).toFixed(2)}`).join(", "),
        watchEventsPerSecond: (stats.watchEvents - statsBefore.watchEvents - (watch.eventsReceived - benchEventsBefore)) / seconds,
      });
      printRow(rows.at(-1) as Row);
      before = after;
      statsBefore = stats;
      benchEventsBefore = watch.eventsReceived;
    };

    const firstMs = await watch.untilSettled(n, timeoutMs);
    await measure("first deployment", firstMs / 1000, 1);
    for (let cycle = 1; cycle <= o.cycles; cycle++) {
      const stables = watch.stables();
      const start = performance.now();
      await setImage(kube, n, `registry/app:${cycle}`);
      const ms = await watch.untilSettled(n, timeoutMs, stables, start);
      await measure(`canary cycle ${cycle}`, ms / 1000, STEPS_PER_CYCLE);
    }
    // Idle CPU is measured at the run's largest size only (the target is stated there; it keeps the default
    // run of three sizes under 10 minutes). The last reconciles of the cycle (scale-downs, final status)
    // finish within seconds; idle starts after.
    if (n !== Math.max(...o.rollouts)) return;
    await new Promise((r) => setTimeout(r, 10_000));
    const idleSeconds = o.idleSeconds;
    const cpu0 = cpuSeconds(pid);
    const idleStats0 = await sandboxStats(api.url);
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    idle.push({ rollouts: n, cpuPercent: ((cpuSeconds(pid) - cpu0) / idleSeconds) * 100 });
    const idleRequests = requestsBetween(idleStats0, await sandboxStats(api.url));
    process.stdout.write(`idle CPU over ${idleSeconds} s with ${n} Healthy Rollouts: ${idle.at(-1)?.cpuPercent.toFixed(2)}% of a core; API requests meanwhile: ${idleRequests}\n`);
  } finally {
    watch.stop();
    await controller?.stop();
    await api.stop();
  }
}

const header =
  "rollouts  phase              time (s)  ctrl RSS MiB  ctrl heap MiB  apiserver RSS MiB  reconciles/rollout/step  writes/rollout/step  reads/rollout/step  watch events/s  writes by verb and kind, per rollout per step";
function printRow(r: Row): void {
  process.stdout.write(
    [
      String(r.rollouts).padEnd(8),
      r.phase.padEnd(17),
      r.seconds.toFixed(1).padStart(8),
      r.controllerRss.toFixed(0).padStart(12),
      r.controllerHeap.toFixed(0).padStart(13),
      r.apiserverRss.toFixed(0).padStart(17),
      r.reconcilesPerStep.toFixed(2).padStart(23),
      r.writesPerStep.toFixed(2).padStart(19),
      r.readsPerStep.toFixed(2).padStart(18),
      r.watchEventsPerSecond.toFixed(0).padStart(14),
      r.writesByVerbKind,
    ].join("  ") + "\n",
  );
}

const options = parseOptions(process.argv.slice(2));
const startedAt = performance.now();
process.stdout.write(
  `scale bench: sandbox API server and controller as separate processes (controller node flags: ${options.controllerNodeFlags.join(" ") || "none, V8's defaults"}); Rollouts with 2 replicas, steps [setWeight 50, pause 1s], no router; ${options.cycles} canary cycles (new image for all); a step is one of the ${STEPS_PER_CYCLE} a cycle walks (setWeight, pause, promotion), the first deployment counts as one.\n${header}\n`,
);
const rows: Row[] = [];
const idle: { rollouts: number; cpuPercent: number }[] = [];
for (const n of options.rollouts) {
  try {
    await runFleet(n, options, rows, idle);
  } catch (error) {
    process.stdout.write(`${n} Rollouts: FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

process.stdout.write("\ntargets:\n");
const lastOf = (n: number) => rows.filter((r) => r.rollouts === n).at(-1);
const firstCycle = (n: number) => rows.find((r) => r.rollouts === n && r.phase === "canary cycle 1");
const largest = Math.max(...options.rollouts);
const target = (figure: string, goal: string, value: string, met: boolean | undefined) =>
  process.stdout.write(`  ${figure.padEnd(58)} ${goal.padEnd(12)} ${value.padEnd(28)} ${met === undefined ? "-" : met ? "met" : "MISS"}\n`);
const last = lastOf(largest);
target(`controller RSS at ${largest} Rollouts after the last cycle`, "<= 512 MiB", last ? `${last.controllerRss.toFixed(0)} MiB` : "not reached", last ? last.controllerRss <= 512 : false);
const cycle1 = firstCycle(largest);
if (options.soak && cycle1 && last) target("RSS after the last cycle vs after the first", "<= +10%", `${(((last.controllerRss - cycle1.controllerRss) / cycle1.controllerRss) * 100).toFixed(1)}%`, last.controllerRss <= cycle1.controllerRss * 1.1);
const idleLargest = idle.find((x) => x.rollouts === largest);
target(`idle CPU with ${largest} Healthy Rollouts`, "<= 2%", idleLargest ? `${idleLargest.cpuPercent.toFixed(2)}% of a core` : "not reached", idleLargest ? idleLargest.cpuPercent <= 2 : false);
const cycles = rows.filter((r) => r.phase.startsWith("canary cycle"));
const maxWrites = Math.max(...cycles.map((r) => r.writesPerStep));
target("API writes per rollout per step (worst cycle)", "<= 3", cycles.length ? maxWrites.toFixed(2) : "not reached", cycles.length ? maxWrites <= 3 : false);
const tenK = rows.find((r) => r.rollouts === 10000 && r.phase === "canary cycle 1");
target("10,000 Rollouts through one canary cycle", "<= 300 s", tenK ? `${tenK.seconds.toFixed(0)} s` : "not run", tenK ? tenK.seconds <= 300 : undefined);
process.stdout.write(`\nwall time ${((performance.now() - startedAt) / 1000).toFixed(0)} s\n`);
