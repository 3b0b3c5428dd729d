/**
 * A regression guard for issue 13, scaled down from bench/scale.ts with generous margins: 1,000 Rollouts
 * through their first deployment and one canary cycle, the API server and the controller as separate
 * processes, read from outside. It fails on the regressions measured before (an Agent per request took RSS
 * past 1.6 GiB at 1,000; per-reconcile scans of every cached object; idle work), not on machine noise.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { createFleet, FleetWatch, fleetClient, setImage } from "../../bench/scale/fleet.ts";
import { cpuSeconds, rssMiB, startApiServer, startControllerProcess, type Measured } from "../../bench/scale/processes.ts";
import { scrape, sumOf } from "../../bench/scale/prom-text.ts";
import { freePort } from "../helpers/free-port.ts";

const N = 1000;
const root = join(import.meta.dirname, "..", "..");
let api: (Measured & { url: string }) | undefined;
let controller: Measured | undefined;
let watch: FleetWatch | undefined;

after(async () => {
  watch?.stop();
  await controller?.stop();
  await api?.stop();
});

test(`${N} Rollouts: first deployment and a canary cycle within bounds of memory, writes and idle CPU`, { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-scale-guard-"));
  const kubeconfig = join(dir, "kubeconfig");
  api = await startApiServer(kubeconfig, readdirSync(join(root, "crds")).map((f) => join(root, "crds", f)));
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const kube = fleetClient(kc);
  watch = await FleetWatch.start(api.url);
  await createFleet(kube, N, "registry/app:0");
  const port = await freePort();
  controller = startControllerProcess(kubeconfig, port, ["--workers", "8"]);
  await watch.untilSettled(N, 180_000);
  const before = await scrape(port);
  const stables = watch.stables();
  const start = performance.now();
  await setImage(kube, N, "registry/app:1");
  await watch.untilSettled(N, 180_000, stables, start);
  const afterCycle = await scrape(port);
  const writes = ["create", "update", "patch", "delete"].reduce(
    (sum, verb) => sum + sumOf(afterCycle, "sluice_kube_api_requests_total", (l) => l.verb === verb) - sumOf(before, "sluice_kube_api_requests_total", (l) => l.verb === verb),
    0,
  );
  const rss = rssMiB(controller.pid);
  await new Promise((r) => setTimeout(r, 5_000));
  const cpu0 = cpuSeconds(controller.pid);
  await new Promise((r) => setTimeout(r, 10_000));
  const idlePercent = ((cpuSeconds(controller.pid) - cpu0) / 10) * 100;
  // Measured on 2 cores: 510-526 MiB, 11 API writes per Rollout per cycle (16 before the plans of a step were
  // chained, test/scale/canary-cycle-writes.test.ts has the exact bound), 0.4% of a core idle.
  assert.ok(rss < 800, `controller RSS ${rss.toFixed(0)} MiB after a cycle of ${N} Rollouts (measured about 520)`);
  assert.ok(writes / N <= 13, `${(writes / N).toFixed(2)} API writes per Rollout per cycle (measured 11)`);
  assert.ok(idlePercent < 5, `idle CPU ${idlePercent.toFixed(2)}% of a core with ${N} Healthy Rollouts (measured 0.4%)`);
});
