/**
 * Issue 13's reaction bench: N Rollouts (2 replicas, no router) sit at an analysis step whose AnalysisRuns are
 * Running (the controller runs with --no-run-analysis, so nothing measures them); then the bench sets every
 * AnalysisRun to Failed at once and times, per Rollout, from its run's Failed write being acknowledged to the
 * canary ReplicaSet scaled to 0 (0% canary: without a router the pods are the split), as seen by a watch on the
 * ReplicaSets. The API server and the controller are separate processes; the controller runs with the
 * NODE_OPTIONS deploy/base/controller-deployment.yaml ships.
 *
 * Run: node bench/reaction.ts [--rollouts 1000] [--node-defaults]   (V8's own sizing instead of the shipped NODE_OPTIONS)
 */
import { KubeConfig } from "@kubernetes/client-node";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quantileSorted } from "simple-statistics";
import { API_GROUP, API_GROUP_VERSION, API_VERSION, POD_TEMPLATE_HASH_LABEL } from "../src/api/group.ts";
import { fleetClient, forEach, NAMESPACE, name, rollout } from "./scale/fleet.ts";
import { cpuSeconds, shippedControllerNodeOptions, startApiServer, startControllerProcess } from "./scale/processes.ts";
import { freePort } from "../test/helpers/free-port.ts";

let rollouts = 1000;
let nodeFlags = shippedControllerNodeOptions();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (argv[i] === "--rollouts") rollouts = Number(argv[i + 1]);
  else if (argv[i] === "--node-defaults") {
    nodeFlags = [];
    i--;
  } else throw new Error(`unknown argument ${argv[i]}; see the comment at the top of bench/reaction.ts`);
}

const template = {
  apiVersion: API_GROUP_VERSION,
  kind: "AnalysisTemplate",
  metadata: { name: "bench-held", namespace: NAMESPACE },
  // Never measured here (no analysis runner): the run stays Running until the bench fails it.
  spec: { metrics: [{ name: "held", interval: "1h", successCondition: { max: 1 }, provider: { prometheus: { address: "http://127.0.0.1:9", query: "vector(0)" } } }] },
};
const heldSteps = [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "bench-held" }] } }];

type Rs = { rollout: string; hash: string; replicas: number };

/** ReplicaSets by name, from a list and then a watch; `onChange` sees each. */
async function watchReplicaSets(apiUrl: string, onChange: (rs: Rs, at: number) => void): Promise<AbortController> {
  const url = `${apiUrl}/apis/apps/v1/namespaces/${NAMESPACE}/replicasets`;
  const abort = new AbortController();
  type Obj = { metadata: { name: string; resourceVersion: string; labels?: Record<string, string>; ownerReferences?: { name: string }[] }; spec: { replicas?: number } };
  const see = (o: Obj) => onChange({ rollout: o.metadata.ownerReferences?.[0]?.name ?? "", hash: o.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? "", replicas: o.spec.replicas ?? 0 }, performance.now());
  const list = (await (await fetch(url)).json()) as { metadata: { resourceVersion: string }; items: Obj[] };
  for (const o of list.items) see(o);
  void (async () => {
    const res = await fetch(`${url}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, { signal: abort.signal });
    let buffered = "";
    try {
      for await (const chunk of (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream())) {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const event = JSON.parse(buffered.slice(0, nl)) as { type: string; object: Obj };
          buffered = buffered.slice(nl + 1);
          if (event.type === "ADDED" || event.type === "MODIFIED") see(event.object);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return abort;
}

const dir = mkdtempSync(join(tmpdir(), "sluice-reaction-"));
const kubeconfig = join(dir, "kubeconfig");
const root = join(import.meta.dirname, "..");
const api = await startApiServer(kubeconfig, readdirSync(join(root, "crds")).map((f) => join(root, "crds", f)));
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const kube = fleetClient(kc);
const controller = startControllerProcess(kubeconfig, await freePort(), ["--workers", "8"], nodeFlags);
const started = performance.now();
try {
  await kube.create(template);
  await forEach(rollouts, 32, (i) => kube.create(rollout(i, "registry/app:1", heldSteps)));
  const replicaSets = new Map<string, Rs>();
  const zeroAt = new Map<string, number>();
  let canaryHash = new Map<string, string>();
  const stop = await watchReplicaSets(api.url, (rs, at) => {
    replicaSets.set(`${rs.rollout}/${rs.hash}`, rs);
    if (canaryHash.get(rs.rollout) === rs.hash && rs.replicas === 0 && !zeroAt.has(rs.rollout)) zeroAt.set(rs.rollout, at);
  });
  const runsUrl = `${api.url}/apis/${API_GROUP}/${API_VERSION}/namespaces/${NAMESPACE}/analysisruns`;
  const runningRuns = async () => ((await (await fetch(runsUrl)).json()) as { items: { metadata: { name: string; ownerReferences?: { name: string }[] } }[] }).items;
  const until = async (what: () => Promise<boolean>, label: string, timeoutMs = Math.max(120_000, rollouts * 120)) => {
    const t0 = performance.now();
    while (!(await what())) {
      if (performance.now() - t0 > timeoutMs) throw new Error(`timed out: ${label}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  // First deployment, then a new image for all: each walks setWeight 50 and stops at its analysis step.
  await until(async () => [...replicaSets.values()].filter((rs) => rs.replicas === 2).length >= rollouts, "first deployment");
  await forEach(rollouts, 32, (i) => kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: NAMESPACE, name: name(i) }, { spec: { template: { spec: { containers: [{ name: "app", image: "registry/app:2" }] } } } }));
  await until(async () => (await runningRuns()).length >= rollouts, "every Rollout at its analysis step");
  const runs = await runningRuns();
  // The canary ReplicaSet of each Rollout: the one of its two that is not at 2 replicas... both are at 1 at 50%;
  // the canary is the newer revision: the hash in its AnalysisRun's owner Rollout's status.
  const list = (await (await fetch(`${api.url}/apis/${API_GROUP}/${API_VERSION}/namespaces/${NAMESPACE}/rollouts`)).json()) as { items: { metadata: { name: string }; status?: { currentPodHash?: string } }[] };
  canaryHash = new Map(list.items.map((r) => [r.metadata.name, r.status?.currentPodHash ?? ""]));
  await new Promise((r) => setTimeout(r, 2000)); // let the last step writes settle
  const failedAt = new Map<string, number>();
  // What limits the reaction: CPU of each process and the API server's requests over the burst and its aftermath.
  type Stats = { requests: Record<string, number> };
  const serverRequests = async () => Object.values(((await (await fetch(`${api.url}/_sandbox/stats`)).json()) as Stats).requests).reduce((a, b) => a + b, 0);
  const cpu0 = { api: cpuSeconds(api.pid), controller: cpuSeconds(controller.pid), requests: await serverRequests() };
  const burstStart = performance.now();
  await forEach(runs.length, 64, async (i) => {
    const run = runs[i];
    if (!run) return;
    const res = await fetch(`${runsUrl}/${run.metadata.name}/status`, {
      method: "PATCH",
      headers: { "Content-Type": "application/merge-patch+json" },
      body: JSON.stringify({ status: { phase: "Failed", message: "failed by bench/reaction.ts" } }),
    });
    if (!res.ok) throw new Error(`PATCH ${run.metadata.name}/status: HTTP ${res.status} ${await res.text()}`);
    failedAt.set(run.metadata.ownerReferences?.[0]?.name ?? "", performance.now());
  });
  const burstMs = performance.now() - burstStart;
  await until(async () => zeroAt.size >= rollouts, "every canary at 0", 300_000);
  const windowS = (Math.max(...zeroAt.values()) - burstStart) / 1000;
  // Polled every 500 ms, so the CPU window runs up to half a second past the last canary at 0.
  const cpu1 = { api: cpuSeconds(api.pid), controller: cpuSeconds(controller.pid), requests: await serverRequests() };
  const polledS = (performance.now() - burstStart) / 1000;
  stop.abort();
  const reactions = [...failedAt].map(([r, t]) => (zeroAt.get(r) ?? Number.NaN) - t).sort((a, b) => a - b);
  const q = (p: number) => quantileSorted(reactions, p).toFixed(0);
  process.stdout.write(
    [
      `reaction bench: ${rollouts} Rollouts (2 replicas, no router) held at an analysis step; every AnalysisRun set Failed in one burst (${burstMs.toFixed(0)} ms for ${rollouts} status patches, 64 at a time), time from each run's Failed write to its canary ReplicaSet at 0 replicas, seen by a watch; API server and controller in separate processes; controller node flags: ${nodeFlags.join(" ") || "none (V8 defaults)"}`,
      "",
      "figure                                    target     value",
      `reaction p50 (ms)                                    ${q(0.5)}`,
      `reaction p99 (ms)                         <= 250     ${q(0.99)}   ${Number(q(0.99)) <= 250 ? "met" : "MISS"}`,
      `reaction max (ms)                                    ${reactions.at(-1)?.toFixed(0)}`,
      `all ${rollouts} canaries at 0 after the burst started (ms)  ${(Math.max(...zeroAt.values()) - burstStart).toFixed(0)}`,
      `over those ${polledS.toFixed(1)} s: API server CPU ${(((cpu1.api - cpu0.api) / polledS) * 100).toFixed(0)}% of a core, controller CPU ${(((cpu1.controller - cpu0.controller) / polledS) * 100).toFixed(0)}% of a core (2 cores in all), ${cpu1.requests - cpu0.requests} requests served by the API server (${((cpu1.requests - cpu0.requests) / rollouts).toFixed(1)} per Rollout, the bench's own ${rollouts} patches included; ${((cpu1.requests - cpu0.requests) / windowS).toFixed(0)}/s)`,
      `wall time ${((performance.now() - started) / 1000).toFixed(0)} s`,
      "",
    ].join("\n"),
  );
} finally {
  await controller.stop();
  await api.stop();
}
