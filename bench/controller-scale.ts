/**
 * How the controller copes with many Rollouts: N Rollouts are created in the sandbox API server, the controller
 * brings them all to Healthy, then every one gets a new image and walks a one-step canary to Healthy again.
 * Prints a table (wall time, reconciles per second, API requests, controller heap). Run: node bench/controller-scale.ts [N]
 */
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { API_GROUP_VERSION } from "../src/api/group.ts";
import { startController } from "../src/controller/controller.ts";
import { ClientNodeKube } from "../src/kube/kube-client.ts";
import { startApiServer } from "../src/sandbox/apiserver/index.ts";

const N = Number(process.argv[2] ?? 300);
const root = join(import.meta.dirname, "..");
const crds = readdirSync(join(root, "crds")).map((f) => join(root, "crds", f));
const server = await startApiServer({ preload: crds, readyDelayMs: 0 });
const kc = new KubeConfig();
kc.loadFromFile(server.kubeconfigPath);
const kube = new ClientNodeKube(kc);

const rollout = (i: number) => ({
  apiVersion: API_GROUP_VERSION,
  kind: "Rollout",
  metadata: { name: `app-${i}`, namespace: "default" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: `app-${i}` } },
    template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: "app", image: "registry/app:1" }] } },
    strategy: { canary: { steps: [{ setWeight: 50 }] } },
  },
});

async function countPhase(phase: string, hashDiffers?: Map<string, string>): Promise<number> {
  const list = await kube.list(API_GROUP_VERSION, "Rollout", "default");
  return list.filter((r) => {
    const s = r.status as { phase?: string; stableRS?: string } | undefined;
    if (s?.phase !== phase) return false;
    return hashDiffers ? s.stableRS !== hashDiffers.get(r.metadata.name) : true;
  }).length;
}

async function until(what: () => Promise<number>, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while ((await what()) < N) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return performance.now() - start;
}

for (let i = 0; i < N; i++) await kube.create(rollout(i));
const controller = await startController({ kc, namespace: "default", workers: 8, analysis: false, log: pino({ level: "silent" }) });
const firstMs = await until(() => countPhase("Healthy"), 240_000);
const reconcilesAfterFirst = (await controller.metrics.reconcileDuration.get()).values.find((v) => v.metricName?.endsWith("_count"))?.value ?? 0;
const stable = new Map((await kube.list(API_GROUP_VERSION, "Rollout", "default")).map((r) => [r.metadata.name, String((r.status as { stableRS?: string }).stableRS)]));

const updateStart = performance.now();
for (let i = 0; i < N; i++) {
  await kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: `app-${i}` }, { spec: { template: { spec: { containers: [{ name: "app", image: "registry/app:2" }] } } } });
}
const patchMs = performance.now() - updateStart;
const secondMs = await until(() => countPhase("Healthy", stable), 240_000);
const reconciles = (await controller.metrics.reconcileDuration.get()).values.filter((v) => v.metricName?.endsWith("_count")).reduce((n, v) => n + v.value, 0);
const requests = (await controller.metrics.apiRequests.get()).values.reduce((n, v) => n + v.value, 0);
const heapMiB = process.memoryUsage().heapUsed / 1024 / 1024;
await controller.stop();
await server.stop();

const rows: [string, string][] = [
  ["rollouts", String(N)],
  ["first deployment to Healthy", `${(firstMs / 1000).toFixed(1)} s (${Math.round(reconcilesAfterFirst)} reconciles)`],
  ["new image to Healthy (1 canary step)", `${(secondMs / 1000).toFixed(1)} s after ${(patchMs / 1000).toFixed(1)} s of patching`],
  ["reconciles", `${Math.round(reconciles)} (${Math.round(reconciles / ((firstMs + secondMs) / 1000))}/s)`],
  ["API requests by the controller", String(Math.round(requests))],
  ["heap (controller + API server, one process)", `${heapMiB.toFixed(0)} MiB`],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log("bench/controller-scale: the controller against the sandbox API server, 8 workers");
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
