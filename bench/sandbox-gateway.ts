/**
 * bench/sandbox-gateway: what the sandbox gateway costs. Run: node bench/sandbox-gateway.ts [seconds per phase, default 4]
 *
 * Set-up as `sluice sandbox` has it: the sandbox API server, the process workload runner (3 demo-app processes:
 * a stable ReplicaSet of 2 and a canary of 1, LATENCY_MS=0), the endpoints controller, and the gateway routing
 * an HTTPRoute 80/20 between the stable and canary Services. Gateway and clients share this process, as in the
 * sandbox. Two phases per path, direct (client round-robin over the same 3 pods) and through the gateway:
 * - throughput: closed loop, 64 connections, as fast as answers come back;
 * - latency: open loop at a constant 500 req/s (the sandbox's load generator), from the intended send time.
 * About 4 phases × the phase length + 2 s of warm-up + ~2 s of start-up (~20 s by default).
 */
import { Agent, request } from "node:http";
import { KubeConfig } from "@kubernetes/client-node";
import { startApiServer, type JsonObject } from "../src/sandbox/apiserver/index.ts";
import { thirdPartyCrdFiles } from "../src/sandbox/crds/index.ts";
import { startGateway } from "../src/sandbox/gateway/index.ts";
import { startLoad, windowStats, type LatencySummary } from "../src/sandbox/load/index.ts";
import { ProcessWorkloadRunner, startEndpointsController } from "../src/sandbox/workloads/index.ts";

const PHASE_MS = Number(process.argv[2] ?? 4) * 1000;
const CONNECTIONS = 64;
const OPEN_LOOP_RATE = 500;

function replicaSet(name: string, hash: string, replicas: number): JsonObject {
  const labels = { app: "bench", "rollouts-pod-template-hash": hash };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "default", labels },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "app", image: "demo" }] } } },
  };
}

const service = (name: string, hash: string): JsonObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { selector: { app: "bench", "rollouts-pod-template-hash": hash }, ports: [{ name: "http", port: 80 }] },
});

/** Closed loop: `CONNECTIONS` workers each sending the next request when the last answered; requests/s. */
async function throughput(ports: readonly number[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const until = Date.now() + PHASE_MS;
  let done = 0;
  let next = 0;
  const one = (port: number): Promise<void> =>
    new Promise((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
        res.resume();
        res.on("end", () => resolve());
      });
      req.on("error", () => resolve());
      req.end();
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        await one(ports[next++ % ports.length] as number);
        done++;
      }
    }),
  );
  agent.destroy();
  return done / ((Date.now() - started) / 1000);
}

/** Open loop at OPEN_LOOP_RATE over the ports (one generator each, rates summing to the total). */
async function latency(ports: readonly number[], durationMs = PHASE_MS): Promise<LatencySummary> {
  const loads = ports.map((port) => startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: OPEN_LOOP_RATE / ports.length, durationMs }));
  await Promise.all(loads.map((l) => l.done));
  return windowStats(loads.flatMap((l) => l.records()));
}

const ms = (v: number | undefined): string => (v === undefined ? "-" : v.toFixed(2));

const runner = new ProcessWorkloadRunner();
const server = await startApiServer({ simulation: runner, preload: [thirdPartyCrdFiles.httpRoute] });
const endpoints = startEndpointsController(server);
const kc = new KubeConfig();
kc.loadFromFile(server.kubeconfigPath);
try {
  server.create(replicaSet("bench-stable", "stable1", 2));
  server.create(replicaSet("bench-canary", "canary1", 1));
  server.create(service("bench-stable", "stable1"));
  server.create(service("bench-canary", "canary1"));
  server.create({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "bench", namespace: "default" },
    spec: { rules: [{ backendRefs: [{ name: "bench-stable", port: 80, weight: 80 }, { name: "bench-canary", port: 80, weight: 20 }] }] },
  });
  const gateway = await startGateway({ kubeConfig: kc, namespace: "default", httpRoute: "bench" });
  try {
    await gateway.waitFor(({ route, endpoints: count }) => route !== undefined && count("default", "bench-stable") === 2 && count("default", "bench-canary") === 1, 20_000);
    const pods = runner.pods().map((p) => p.port);
    const rows: { path: string; rps: number; lat: LatencySummary }[] = [];
    for (const [path, ports] of [["direct", pods], ["gateway", [gateway.port]]] as const) {
      // Warm-up (JIT, connections), not measured, so the first path measured is not the slower one for that reason.
      await latency(ports, 1_000);
      const rps = await throughput(ports);
      const lat = await latency(ports);
      rows.push({ path, rps, lat });
    }
    const [direct, viaGateway] = rows as [(typeof rows)[0], (typeof rows)[0]];
    console.log(`sandbox gateway bench: ${PHASE_MS / 1000} s per phase, ${CONNECTIONS} connections closed-loop, ${OPEN_LOOP_RATE} req/s open-loop, 3 demo-app pods, node ${process.version}`);
    console.log("");
    console.log("| path    | req/s (closed loop) | p50 ms | p99 ms | p99.9 ms | max ms | errors |");
    console.log("|---------|--------------------:|-------:|-------:|---------:|-------:|-------:|");
    for (const r of rows) {
      console.log(
        `| ${r.path.padEnd(7)} | ${r.rps.toFixed(0).padStart(19)} | ${ms(r.lat.p50).padStart(6)} | ${ms(r.lat.p99).padStart(6)} | ${ms(r.lat.p999).padStart(8)} | ${ms(r.lat.max).padStart(6)} | ${String(r.lat.errors).padStart(6)} |`,
      );
    }
    const added = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? "-" : (a - b).toFixed(2));
    console.log("");
    console.log(`gateway adds: p50 ${added(viaGateway.lat.p50, direct.lat.p50)} ms, p99 ${added(viaGateway.lat.p99, direct.lat.p99)} ms; throughput ${((viaGateway.rps / direct.rps) * 100).toFixed(0)}% of direct`);
  } finally {
    await gateway.stop();
  }
} finally {
  endpoints.stop();
  await runner.close();
  await server.stop();
}
