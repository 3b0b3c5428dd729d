/**
 * The controller process at its edges: started before the API server is reachable it stays up, alive but not
 * ready, retrying with backoff, and becomes ready and reconciles once the server is there; SIGTERM in the middle
 * of a reconcile lets the write in flight finish, sends no other, releases the Lease and exits 0 promptly.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { writeKubeconfig } from "../../src/sandbox/apiserver/index.ts";
import { spawnWatched, type WatchedChild } from "../helpers/child-output.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { freePort } from "../helpers/free-port.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

const envs: Env[] = [];
const children: WatchedChild[] = [];
after(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  for (const e of envs) await e.stop();
});

function controller(kubeconfig: string, healthPort: number, extra: string[] = []): WatchedChild {
  const child = spawnWatched(process.execPath, [
    join(REPO_ROOT, "src", "cli", "bin.ts"),
    "controller",
    "--kubeconfig",
    kubeconfig,
    "-n",
    "default",
    "--metrics-addr",
    "",
    "--health-addr",
    `127.0.0.1:${healthPort}`,
    "--log-level",
    "info",
    ...extra,
  ]);
  children.push(child);
  return child;
}

const status = async (port: number, path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).status;

const rollout = (name: string): KubeObject => ({
  apiVersion: API_GROUP_VERSION,
  kind: "Rollout",
  metadata: { name, namespace: "default" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: `acme/${name}:1` }] } },
    strategy: { canary: {} },
  },
});

/** Parsed pino lines of the child's stderr, where the controller logs. */
const logLines = (c: WatchedChild) =>
  c
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { msg?: string; retry?: string; attempt?: number; delayMs?: number });

test("started while the API server is unreachable: alive, not ready, retrying; ready and reconciling once it is there", { timeout: 90_000 }, async () => {
  const apiPort = await freePort();
  const healthPort = await freePort();
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "sluice-startup-")), "kubeconfig");
  writeKubeconfig(kubeconfig, { server: `http://127.0.0.1:${apiPort}` });
  const c = controller(kubeconfig, healthPort);
  const deadline = Date.now() + 20_000;
  while (!logLines(c).some((l) => l.msg === "controller started")) {
    assert.ok(Date.now() < deadline && c.child.exitCode === null, `no "controller started":\n${c.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 2_500));
  assert.equal(c.child.exitCode, null, `the controller exited:\n${c.stderr()}`);
  assert.equal(await status(healthPort, "/healthz"), 200);
  assert.equal(await status(healthPort, "/readyz"), 503, "ready although no cache has synced");
  const retries = logLines(c).filter((l) => l.retry !== undefined);
  assert.ok(retries.length >= 2, `no retry logged:\n${c.stderr()}`);
  assert.ok(retries.every((l) => typeof l.attempt === "number" && typeof l.delayMs === "number"), "each retry line has the attempt and the delay");

  const env = await startEnv({ port: apiPort, kubeconfigPath: kubeconfig });
  envs.push(env);
  await env.waitFor("/readyz 200", async () => ((await status(healthPort, "/readyz").catch(() => 0)) === 200 ? true : undefined), 45_000);
  await env.kube.create(rollout("late"));
  await env.waitFor("the Rollout reconciled", async () => (statusOf(await env.rollout("late")).phase === "Healthy" ? true : undefined), 20_000);

  c.child.kill("SIGTERM");
  assert.equal(await c.exited, 0);
});

test("SIGTERM mid-reconcile: the write in flight lands, no other is sent, the Lease is released, exit 0 within seconds", { timeout: 90_000 }, async () => {
  const env = await startEnv();
  envs.push(env);
  const healthPort = await freePort();
  const c = controller(env.server.kubeconfigPath, healthPort, ["--leader-elect", "--leader-elect-namespace", "default", "--no-run-analysis"]);
  const holder = async () => {
    const lease = await env.kube.get({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "default", name: "sluice-controller" });
    return (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity || undefined;
  };
  await env.waitFor("the controller holds the Lease", holder, 20_000);

  // Every write of the reconcile takes 1.5 s at the server: SIGTERM will find one in flight.
  const writes: string[] = [];
  env.server.store.onEvent((key, event) => {
    const spec = (o: unknown) => JSON.stringify((o as { spec?: unknown } | undefined)?.spec);
    // Not the controller's: Lease renewals, and the simulated kubelet reporting ReplicaSet status.
    if (key === "leases.coordination.k8s.io" || (key === "replicasets.apps" && event.type === "MODIFIED" && spec(event.previous) === spec(event.object))) return;
    writes.push(`${event.type} ${key}`);
  });
  env.server.faults.setRules([
    { fault: "delay", fraction: 1, verbs: ["create", "update", "patch"], resources: ["replicasets.apps", "events"], delayMs: 1_500 },
    { fault: "delay", fraction: 1, verbs: ["update", "patch"], resources: ["rollouts.sluice.dev"], delayMs: 1_500 },
  ]);
  await env.kube.create(rollout("busy"));
  await env.waitFor("a controller write held at the server", async () => (env.server.faults.injected.delay >= 1 ? true : undefined), 20_000);
  const writesBefore = writes.length;
  const signalledAt = Date.now();
  c.child.kill("SIGTERM");
  const code = await c.exited;
  const took = Date.now() - signalledAt;
  env.server.faults.clear();

  assert.equal(code, 0, c.stderr());
  assert.ok(took < 4_000, `exit took ${took} ms after SIGTERM`);
  const after = writes.slice(writesBefore);
  assert.equal(after.length, 1, `expected exactly the write in flight to land, saw: ${after.join(", ")}`);
  assert.equal(env.server.faults.injected.delay, 1, "the controller sent another write after SIGTERM");
  assert.equal(await holder(), undefined, "the Lease was not released");
  assert.ok(logLines(c).some((l) => l.msg === "controller stopped"));
});
