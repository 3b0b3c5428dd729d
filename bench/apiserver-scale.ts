/**
 * The sandbox API server at the scale issue 3 asks for: 10,000 Rollouts (our CRD: validated, pruned,
 * defaulted) and 30,000 ReplicaSets in 100 namespaces, with 105 watches open, then lists over HTTP.
 * Prints a table. Run: node --expose-gc bench/apiserver-scale.ts
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { startApiServer } from "../src/sandbox/apiserver/index.ts";

const root = join(import.meta.dirname, "..");
const crds = readdirSync(join(root, "crds")).map((f) => join(root, "crds", f));
const server = await startApiServer({ preload: crds, simulation: false });
const rollouts = server.registry.find("sluice.dev", "v1alpha1", "rollouts");
const replicaSets = server.registry.find("apps", "v1", "replicasets");
const namespaces = server.registry.find("", "v1", "namespaces");
if (!rollouts || !replicaSets || !namespaces) throw new Error("resources missing");
const opts = () => ({ fieldValidation: "Ignore" as const, dryRun: false, warnings: [] as string[] });

for (let n = 0; n < 100; n++) server.service.create(namespaces, "", { metadata: { name: `ns${n}` } }, opts());
let delivered = 0;
const rv = String(server.store.currentRevision());
for (let n = 0; n < 100; n++) server.service.watch(replicaSets, `ns${n}`, { resourceVersion: rv }, () => delivered++);
for (let i = 0; i < 5; i++) server.service.watch(replicaSets, undefined, { resourceVersion: rv }, () => delivered++);

globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const t0 = performance.now();
for (let i = 0; i < 10_000; i++) {
  server.service.create(rollouts, `ns${i % 100}`, {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: `app-${i}` },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: `app-${i}` } },
      template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: "app", image: `r/app:${i}` }] } },
      strategy: { canary: { steps: [{ setWeight: 10 }, { pause: { duration: "1m" } }] } },
    },
  }, opts());
}
const rolloutMs = performance.now() - t0;
const t1 = performance.now();
for (let i = 0; i < 30_000; i++) {
  const app = `app-${i % 10_000}`;
  server.service.create(replicaSets, `ns${i % 100}`, {
    metadata: { name: `${app}-${i}`, labels: { app } },
    spec: { replicas: 1, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: "c", image: "i" }] } } },
  }, opts());
}
const rsMs = performance.now() - t1;
globalThis.gc?.();
const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;

const t2 = performance.now();
const one = await (await fetch(`${server.url}/apis/apps/v1/namespaces/ns5/replicasets?labelSelector=app%3Dapp-5`)).json() as { items: unknown[] };
const selectMs = performance.now() - t2;
const t3 = performance.now();
const all = await (await fetch(`${server.url}/apis/sluice.dev/v1alpha1/rollouts`)).json() as { items: unknown[] };
const listMs = performance.now() - t3;
await server.stop();

const rows: [string, string][] = [
  ["Rollouts created (schema-checked)", `10000 in ${rolloutMs.toFixed(0)} ms (${Math.round(10_000 / (rolloutMs / 1000))}/s)`],
  ["ReplicaSets created", `30000 in ${rsMs.toFixed(0)} ms (${Math.round(30_000 / (rsMs / 1000))}/s)`],
  ["watch events delivered (105 watches)", `${delivered} (each namespace watch only its own)`],
  ["GET replicasets by label in one namespace (HTTP)", `${one.items.length} item(s) in ${selectMs.toFixed(0)} ms`],
  ["GET all 10,000 Rollouts (HTTP)", `${all.items.length} items in ${listMs.toFixed(0)} ms`],
  ["heap for 40,000 objects + history", `${heapMiB.toFixed(0)} MiB${globalThis.gc ? "" : " (run with --expose-gc for a steadier number)"}`],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log("bench/apiserver-scale: the sandbox API server at 10k Rollouts + 30k ReplicaSets");
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
