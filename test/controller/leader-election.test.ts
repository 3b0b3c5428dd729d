/**
 * Two `sluice controller --leader-elect` processes: only the Lease holder writes; when it is killed the other
 * takes over within the lease duration (15 s) and the rollout goes on; SIGTERM releases the Lease at once.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { freePort } from "../helpers/free-port.ts";
import { controllerProcesses } from "../helpers/controller-processes.ts";

let env: Env;
const processes = controllerProcesses();
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.stop();
});

type Candidate = { child: ChildProcess; port: number; identity: string };

async function candidate(): Promise<Candidate> {
  const port = await freePort();
  return { child: processes.start(env.server.kubeconfigPath, port, []), port, identity: "" };
}

async function holder(): Promise<string | undefined> {
  const lease = await env.kube.get({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "default", name: "sluice-controller" });
  const id = (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
  return id ? id : undefined;
}

const pidOf = (identity: string) => Number(identity.split("-").at(-1));

async function writesBy(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let writes = 0;
  for (const line of text.split("\n")) {
    const m = /^sluice_kube_api_requests_total\{verb="(\w+)",kind="(\w+)",code="\d+"\} (\d+)/.exec(line);
    if (m && m[1] !== "get" && m[1] !== "list" && m[2] !== "Lease") writes += Number(m[3]);
  }
  return writes;
}

test("only the leader writes; killing it hands over within the lease duration; SIGTERM releases the Lease", { timeout: 90_000 }, async () => {
  const a = await candidate();
  const b = await candidate();
  const first = await env.waitFor("a leader", holder, 20_000);
  const [leader, standby] = pidOf(first) === a.child.pid ? [a, b] : [b, a];
  assert.equal(pidOf(first), leader.child.pid);

  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name: "le", namespace: "default" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "le" } },
      template: { metadata: { labels: { app: "le" } }, spec: { containers: [{ name: "app", image: "acme/le:1" }] } },
      strategy: { canary: {} },
    },
  });
  const v1 = await env.waitFor("Healthy", async () => {
    const s = statusOf(await env.rollout("le"));
    return s.phase === "Healthy" ? s : undefined;
  }, 20_000);
  // Both are ready (the standby's caches are warm), only the leader wrote.
  for (const c of [leader, standby]) {
    await env.waitFor(`/readyz of pid ${c.child.pid}`, async () => ((await fetch(`http://127.0.0.1:${c.port}/readyz`)).status === 200 ? true : undefined));
  }
  const leaderWrites = await writesBy(leader.port);
  assert.ok(leaderWrites > 0, `the leader wrote ${leaderWrites} times`);
  assert.equal(await writesBy(standby.port), 0, "the standby must not write");

  const killedAt = Date.now();
  leader.child.kill("SIGKILL");
  await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "le" }, { spec: { template: { spec: { containers: [{ name: "app", image: "acme/le:2" }] } } } });
  const next = await env.waitFor("the standby takes over", async () => {
    const h = await holder();
    return h && pidOf(h) === standby.child.pid ? h : undefined;
  }, 25_000);
  const handover = Date.now() - killedAt;
  assert.ok(handover <= 15_000 + 2_000 + 1_000, `handover took ${handover} ms`);
  const v2 = await env.waitFor("v2 Healthy under the new leader", async () => {
    const s = statusOf(await env.rollout("le"));
    return s.phase === "Healthy" && s.stableRS === s.currentPodHash && s.stableRS !== v1.stableRS ? s : undefined;
  }, 20_000);
  assert.ok(v2.stableRS);
  const takeoverWrites = await writesBy(standby.port);
  assert.ok(takeoverWrites > 0, `the new leader wrote ${takeoverWrites} times`);

  const exited = new Promise<number | null>((resolve) => standby.child.once("exit", (code) => resolve(code)));
  standby.child.kill("SIGTERM");
  assert.equal(await exited, 0, "graceful shutdown exits 0");
  assert.equal(await holder(), undefined, `the Lease was released (holder was ${next})`);
});
