/**
 * The process workload runner plugged into the sandbox API server: ReplicaSets become real demo-app
 * processes, Ready only after a real health check, with Pods, ReplicaSet status and Endpoints following;
 * and no process outlives the runner, whether it is stopped or its parent is SIGKILLed.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startApiServer, type ApiServer, type JsonObject } from "../../src/sandbox/apiserver/index.ts";
import { ProcessWorkloadRunner, startEndpointsController, type EndpointsController } from "../../src/sandbox/workloads/index.ts";
import { waitFor as waitForValue } from "../helpers/wait-for.ts";

const SLOW_HEALTH_APP = fileURLToPath(new URL("./fixtures/slow-health-app.ts", import.meta.url));
const RUNNER_CHILD = fileURLToPath(new URL("./fixtures/runner-child.ts", import.meta.url));

function replicaSet(name: string, hash: string, replicas: number, env: Record<string, string> = {}): JsonObject {
  const labels = { app: "web", "rollouts-pod-template-hash": hash };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "default", labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "app", image: "demo", env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }] } },
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const waitFor = <T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> => waitForValue(what, check, timeoutMs, 25);

function status(server: ApiServer, name: string): Record<string, number> {
  const rs = server.store.get("replicasets.apps", "default", name);
  return (rs?.["status"] ?? {}) as Record<string, number>;
}

function scale(server: ApiServer, name: string, replicas: number): void {
  const rs = server.store.get("replicasets.apps", "default", name);
  assert.ok(rs);
  const t = server.registry.find("apps", "v1", "replicasets");
  assert.ok(t);
  server.service.writeAsController(t, { ...structuredClone(rs), spec: { ...(rs["spec"] as JsonObject), replicas } });
}

/** host:port pairs of ready addresses in the Service's Endpoints (one subset per pod). */
function endpointPorts(server: ApiServer, service: string): number[] {
  const ep = server.store.get("endpoints", "default", service);
  const subsets = (ep?.["subsets"] ?? []) as { addresses?: unknown[]; ports?: { port: number }[] }[];
  return subsets.flatMap((s) => ((s.addresses ?? []).length > 0 ? (s.ports ?? []).map((p) => p.port) : [])).sort();
}

describe("process workload runner", () => {
  let server: ApiServer;
  let runner: ProcessWorkloadRunner;
  let endpoints: EndpointsController;
  const everyPid = new Set<number>();

  before(async () => {
    runner = new ProcessWorkloadRunner({ stopGraceMs: 1_000 });
    runner.onChange(() => runner.pods().forEach((p) => everyPid.add(p.pid)));
    server = await startApiServer({ simulation: runner });
    endpoints = startEndpointsController(server);
  });
  after(async () => {
    endpoints?.stop();
    await runner?.close();
    await server?.stop();
    for (const pid of everyPid) if (alive(pid)) process.kill(pid, "SIGKILL");
  });

  it("runs a ReplicaSet of 3 as 3 demo-app processes answering HTTP, with Pods and status", async () => {
    server.create(replicaSet("web-aaa", "aaa", 3, { LATENCY_MS: "1" }));
    await waitFor("3 ready replicas", () => (status(server, "web-aaa")["readyReplicas"] === 3 ? true : undefined));
    const pods = runner.pods().filter((p) => p.replicaSet === "web-aaa");
    assert.equal(pods.length, 3);
    assert.equal(new Set(pods.map((p) => p.port)).size, 3, "each pod on its own port");
    for (const pod of pods) {
      const res = await fetch(`http://127.0.0.1:${pod.port}/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-sluice-pod-hash"), "aaa", "POD_TEMPLATE_HASH comes from the label");
      assert.ok(alive(pod.pid));
    }
    const stored = server.store.list("pods", "default").filter((p) => (p["metadata"] as JsonObject)["name"]?.toString().startsWith("web-aaa-"));
    assert.equal(stored.length, 3);
    for (const pod of stored) {
      assert.match(String((pod["metadata"] as JsonObject)["name"]), /^web-aaa-[a-z0-9]{5}$/);
      const st = pod["status"] as JsonObject;
      assert.equal(st["phase"], "Running");
      assert.equal(st["podIP"], "127.0.0.1");
    }
    assert.deepEqual(
      runner.scrapeTargets().map((t) => t.labels?.["rollouts_pod_template_hash"]),
      ["aaa", "aaa", "aaa"],
    );
    const s = status(server, "web-aaa");
    assert.deepEqual([s["replicas"], s["availableReplicas"], s["observedGeneration"]], [3, 3, 1]);
  });

  it("a pod relabelled in place (ephemeral metadata) keeps its process and its labels while the runner scales its ReplicaSet", async () => {
    server.create(replicaSet("web-relabel", "relabel", 1));
    await waitFor("1 ready replica", () => (status(server, "web-relabel")["readyReplicas"] === 1 ? true : undefined));
    const [before] = runner.pods().filter((p) => p.replicaSet === "web-relabel");
    assert.ok(before);
    const podType = server.registry.find("", "v1", "pods");
    assert.ok(podType);
    const pod = server.store.get("pods", "default", before.name);
    assert.ok(pod);
    const metadata = pod["metadata"] as JsonObject;
    server.service.writeAsController(podType, { ...structuredClone(pod), metadata: { ...metadata, labels: { ...(metadata["labels"] as JsonObject), role: "stable" } } });
    scale(server, "web-relabel", 2);
    await waitFor("2 ready replicas", () => (status(server, "web-relabel")["readyReplicas"] === 2 ? true : undefined));
    const after = runner.pods().find((p) => p.name === before.name);
    assert.equal(after?.pid, before.pid, "the same process: nothing restarted");
    assert.equal(after?.labels["role"], "stable", "the runner reports the stored labels");
    const stored = server.store.get("pods", "default", before.name)?.["metadata"] as JsonObject;
    assert.equal((stored["labels"] as JsonObject)["role"], "stable", "not reverted by the runner's writes");
    scale(server, "web-relabel", 0);
  });

  it("marks pods Ready only after their health check passes", async () => {
    const slow = new ProcessWorkloadRunner({ entry: SLOW_HEALTH_APP, stopGraceMs: 500 });
    const slowServer = await startApiServer({ simulation: slow });
    try {
      slowServer.create(replicaSet("slow-bbb", "bbb", 2, { HEALTH_DELAY_MS: "1500" }));
      const running = await waitFor("2 processes", () => (slow.pods().length === 2 ? slow.pods() : undefined));
      running.forEach((p) => everyPid.add(p.pid));
      // Processes listen, but /healthz says 503: the ReplicaSet has replicas, none ready.
      const early = (slowServer.store.get("replicasets.apps", "default", "slow-bbb")?.["status"] ?? {}) as Record<string, number>;
      assert.equal(early["readyReplicas"] ?? 0, 0);
      assert.ok(running.every((p) => !p.ready));
      const t0 = Date.now();
      await waitFor("ready after health", () => {
        const st = (slowServer.store.get("replicasets.apps", "default", "slow-bbb")?.["status"] ?? {}) as Record<string, number>;
        return st["readyReplicas"] === 2 ? true : undefined;
      });
      assert.ok(Date.now() - t0 > 500, "readiness waited for /healthz to pass");
    } finally {
      await slow.close();
      await slowServer.stop();
    }
  });

  it("scales down to 1: the 2 extra processes are gone, their Pods deleted", async () => {
    const before = runner.pods().filter((p) => p.replicaSet === "web-aaa");
    scale(server, "web-aaa", 1);
    await waitFor("1 replica", () => (status(server, "web-aaa")["replicas"] === 1 ? true : undefined));
    const kept = runner.pods().filter((p) => p.replicaSet === "web-aaa");
    assert.equal(kept.length, 1);
    const removed = before.filter((p) => !kept.some((k) => k.pid === p.pid));
    assert.equal(removed.length, 2);
    await waitFor("extra processes exit", () => (removed.every((p) => !alive(p.pid)) ? true : undefined), 5_000);
    await waitFor("pods deleted", () => (server.store.list("pods", "default").filter((p) => String((p["metadata"] as JsonObject)["name"]).startsWith("web-aaa-")).length === 1 ? true : undefined));
  });

  it("keeps Endpoints per Service selector, following a selector change to one hash", async () => {
    server.create(replicaSet("web-ccc", "ccc", 2));
    await waitFor("web-ccc ready", () => (status(server, "web-ccc")["readyReplicas"] === 2 ? true : undefined));
    server.create({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80 }] } });
    const all = runner.pods().map((p) => p.port).sort();
    assert.equal(all.length, 3);
    await waitFor("Endpoints with all 3 pods", () => (JSON.stringify(endpointPorts(server, "web")) === JSON.stringify(all) ? true : undefined), 3_000);
    const ep = server.store.get("endpoints", "default", "web");
    const subset = (ep?.["subsets"] as JsonObject[])[0] as { addresses: { ip: string; targetRef: { kind: string } }[]; ports: { name: string }[] };
    assert.equal(subset.addresses[0]?.ip, "127.0.0.1");
    assert.equal(subset.addresses[0]?.targetRef.kind, "Pod");
    assert.equal(subset.ports[0]?.name, "http");

    const svcType = server.registry.find("", "v1", "services");
    assert.ok(svcType);
    const svc = server.store.get("services", "default", "web");
    assert.ok(svc);
    server.service.writeAsController(svcType, { ...structuredClone(svc), spec: { ...(svc["spec"] as JsonObject), selector: { app: "web", "rollouts-pod-template-hash": "ccc" } } });
    const ccc = runner.pods().filter((p) => p.podTemplateHash === "ccc").map((p) => p.port).sort();
    await waitFor("Endpoints pinned to ccc", () => (JSON.stringify(endpointPorts(server, "web")) === JSON.stringify(ccc) ? true : undefined), 3_000);

    scale(server, "web-ccc", 1);
    await waitFor("Endpoints follow a scale-down", () => (endpointPorts(server, "web").length === 1 ? true : undefined), 5_000);
  });

  it("restarts a pod whose process dies", async () => {
    const [victim] = runner.pods().filter((p) => p.replicaSet === "web-aaa");
    assert.ok(victim);
    process.kill(victim.pid, "SIGKILL");
    await waitFor("a new ready pod", () => {
      const pods = runner.pods().filter((p) => p.replicaSet === "web-aaa");
      return pods.length === 1 && pods[0]?.pid !== victim.pid && pods[0]?.ready && status(server, "web-aaa")["readyReplicas"] === 1 ? true : undefined;
    });
  });

  it("close() leaves no process behind", async () => {
    const pids = runner.pods().map((p) => p.pid);
    assert.ok(pids.length >= 2);
    await runner.close();
    assert.deepEqual(pids.filter(alive), []);
    assert.deepEqual(runner.pods(), []);
  });
});

describe("process workload runner, parent SIGKILLed", () => {
  let child: ReturnType<typeof spawn> | undefined;
  let pids: number[] = [];
  after(() => {
    child?.kill("SIGKILL");
    for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
  });

  it("leaves no orphans: the pods exit when their parent's pipe closes", async () => {
    child = spawn(process.execPath, [RUNNER_CHILD], { stdio: ["ignore", "pipe", "inherit"] });
    const spawned = child;
    pids = await new Promise<number[]>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error("runner child did not report its pods")), 20_000);
      spawned.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
        const line = out.split("\n").find((l) => l.startsWith("["));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as number[]);
        }
      });
    });
    assert.equal(pids.length, 2);
    assert.ok(pids.every(alive));
    spawned.kill("SIGKILL");
    await waitFor("orphans exit", () => (pids.every((pid) => !alive(pid)) ? true : undefined), 5_000);
  });
});
