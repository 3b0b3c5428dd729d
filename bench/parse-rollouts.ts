/**
 * How fast the controller can validate Rollouts (every reconcile parses the latest object with zod),
 * and what 10,000 parsed Rollouts cost in memory. Prints a table; run with `node bench/parse-rollouts.ts`.
 */
import { parseSluiceObject } from "../src/api/objects.ts";

function rollout(i: number) {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: `app-${i}`, namespace: `ns-${i % 50}`, labels: { team: "t" } },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: `app-${i}` } },
      template: {
        metadata: { labels: { app: `app-${i}` } },
        spec: { containers: [{ name: "app", image: `registry/app:${i}`, env: [{ name: "A", value: "1" }], resources: { limits: { cpu: "1" } } }] },
      },
      strategy: {
        canary: {
          stableService: `app-${i}-stable`,
          canaryService: `app-${i}-canary`,
          trafficRouting: { gatewayAPI: { httpRoute: `app-${i}` } },
          steps: [
            { setWeight: 10 },
            { analysis: { templates: [{ templateName: "error-rate", clusterScope: true }], args: [{ name: "pod-hash", valueFrom: { podTemplateHashValue: "Latest" } }] } },
            { setWeight: 50 },
            { pause: { duration: "5m" } },
          ],
        },
      },
    },
  };
}

const COUNT = 10_000;
const inputs = Array.from({ length: COUNT }, (_, i) => rollout(i));
for (let i = 0; i < 500; i++) parseSluiceObject(inputs[i]); // warm up the JIT

globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
const parsed = inputs.map((doc) => parseSluiceObject(doc));
const elapsedMs = performance.now() - started;
globalThis.gc?.();
const heapAfter = process.memoryUsage().heapUsed;
const valid = parsed.filter((p) => p.status === "valid").length;

const rows: [string, string][] = [
  ["rollouts parsed", String(COUNT)],
  ["valid", String(valid)],
  ["total time", `${elapsedMs.toFixed(0)} ms`],
  ["per rollout", `${((elapsedMs * 1000) / COUNT).toFixed(1)} µs`],
  ["throughput", `${Math.round(COUNT / (elapsedMs / 1000))} /s`],
  ["heap for parsed results", `${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB${globalThis.gc ? "" : " (run with --expose-gc for a steadier number)"}`],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log("bench/parse-rollouts: zod validation of Rollouts");
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
if (valid !== COUNT) process.exitCode = 1;
