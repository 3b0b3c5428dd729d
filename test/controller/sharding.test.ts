/**
 * Three `sluice controller --leader-elect --shard-count 3` processes, one per --shard-index, against the
 * sandbox API server. Each holds its own shard's Lease and writes only its shard's Rollouts. Killing one
 * mid-canary: a standby takes its shard over within the lease duration and those rollouts finish. Started
 * again, the replica asks for its shard back and gets it, so the split stays even.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, test } from "node:test";
import { shardLeaseName, shardOf } from "../../src/controller/shards.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { freePort } from "../helpers/free-port.ts";
import { controllerProcesses } from "../helpers/controller-processes.ts";
import { rolloutObject } from "../helpers/rollout-object.ts";

const SHARDS = 3;
const LEASE_SECONDS = 4;
const RETRY_SECONDS = 1;
let env: Env;
const processes = controllerProcesses();
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.stop();
});

type Replica = { child: ChildProcess; port: number; index: number };

async function replica(index: number): Promise<Replica> {
  const port = await freePort();
  const timing = ["--leader-elect-lease-duration", String(LEASE_SECONDS), "--leader-elect-renew-deadline", "3", "--leader-elect-retry-period", String(RETRY_SECONDS)];
  return { child: processes.start(env.server.kubeconfigPath, port, [...timing, "--shard-count", String(SHARDS), "--shard-index", String(index)]), port, index };
}

const pidOf = (identity: string) => Number(identity.split("-").at(-1));

async function holderPid(shard: number): Promise<number | undefined> {
  const lease = await env.kube.get({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "default", name: shardLeaseName("sluice-controller", shard, SHARDS) });
  const id = (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
  return id ? pidOf(id) : undefined;
}

/** Writes of Rollouts and their status by this replica (from its own /metrics). */
async function rolloutWrites(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let writes = 0;
  for (const line of text.split("\n")) {
    const m = /^sluice_kube_api_requests_total\{verb="(\w+)",kind="Rollout(?:\/status)?",code="\d+"\} (\d+)/.exec(line);
    if (m && m[1] !== "get" && m[1] !== "list") writes += Number(m[2]);
  }
  return writes;
}

/** The Rollouts this replica reports per-Rollout series for (those of the shards it holds), sorted. */
async function reportedRollouts(port: number): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^sluice_rollout_info\{namespace="default",rollout="([^"]+)",/gm)].map((m) => m[1] ?? "").sort();
}

/** Two Rollout names per shard. */
function namesByShard(): string[][] {
  const out: string[][] = Array.from({ length: SHARDS }, () => []);
  for (let i = 0; out.some((names) => names.length < 2); i++) {
    const shard = shardOf(`default/sh-${i}`, SHARDS);
    if ((out[shard]?.length ?? 2) < 2) out[shard]?.push(`sh-${i}`);
  }
  return out;
}

/** Stable ReplicaSet hash of each Rollout, as it was when last seen Healthy. */
const stables = new Map<string, string | undefined>();

/** Healthy on a revision after the one seen before (a stale Healthy right after setImage does not count). */
const healthyAgain = async (name: string) => {
  const s = await env.waitFor(`${name} Healthy on a new revision`, async () => {
    const found = statusOf(await env.rollout(name));
    return found.phase === "Healthy" && found.stableRS === found.currentPodHash && found.stableRS !== stables.get(name) ? found : undefined;
  }, 30_000);
  stables.set(name, s.stableRS);
};

test("three sharded replicas split the Rollouts; a killed one's shard is taken over within the lease duration and handed back on its return", { timeout: 150_000 }, async () => {
  const replicas = [await replica(0), await replica(1), await replica(2)];
  for (const r of replicas) {
    await env.waitFor(`shard ${r.index} held by its own replica`, async () => ((await holderPid(r.index)) === r.child.pid ? true : undefined), 20_000);
  }
  const byShard = namesByShard();
  for (const names of byShard) {
    for (const name of names) {
      await env.kube.create(rolloutObject(name, { containers: [{ name: "app", image: "acme/sh:1" }], strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: "8s" } }] } } }));
    }
  }
  for (const name of byShard.flat()) await healthyAgain(name);
  // Every replica wrote (its own shard's Rollouts); none is idle, none did all.
  for (const r of replicas) assert.ok((await rolloutWrites(r.port)) > 0, `replica ${r.index} wrote no Rollout`);
  // Each Rollout's series come from the replica holding its shard, and from no other.
  for (const r of replicas) assert.deepEqual(await reportedRollouts(r.port), [...(byShard[r.index] ?? [])].sort(), `replica ${r.index}'s per-Rollout series`);

  // A new revision everywhere, then replica 1 dies while its shard's canaries are paused at 50%.
  for (const name of byShard.flat()) await env.setImage(name, "acme/sh:2");
  for (const name of byShard[1] ?? []) await env.waitForPhase(name, "Paused", 20_000);
  const dead = replicas[1];
  assert.ok(dead);
  const killedAt = Date.now();
  dead.child.kill("SIGKILL");
  const survivors = [replicas[0]?.child.pid, replicas[2]?.child.pid];
  const taker = await env.waitFor("a standby takes shard 1 over", async () => {
    const pid = await holderPid(1);
    return pid !== undefined && survivors.includes(pid) ? pid : undefined;
  }, 20_000);
  const takeoverMs = Date.now() - killedAt;
  // The standby waits one lease duration after the last renewal it saw, then one retry period at most.
  assert.ok(takeoverMs <= (LEASE_SECONDS + 2 * RETRY_SECONDS + 1) * 1000, `takeover took ${takeoverMs} ms`);
  for (const name of byShard.flat()) await healthyAgain(name);
  const takerReplica = replicas.find((r) => r.child.pid === taker);
  assert.ok(takerReplica);
  assert.deepEqual(await reportedRollouts(takerReplica.port), [...(byShard[takerReplica.index] ?? []), ...(byShard[1] ?? [])].sort(), "the standby reports the shard it took over");

  // Back again under the same index: it asks for shard 1, the standby hands it over, and it goes on from there.
  const back = await replica(1);
  const returnedAt = Date.now();
  await env.waitFor("shard 1 handed back to its own replica", async () => ((await holderPid(1)) === back.child.pid ? true : undefined), 20_000);
  const handBackMs = Date.now() - returnedAt;
  await env.waitFor("the returned replica reporting its shard's Rollouts", async () => ((await reportedRollouts(back.port)).join() === [...(byShard[1] ?? [])].sort().join() ? true : undefined), 10_000);
  assert.deepEqual(await reportedRollouts(takerReplica.port), [...(byShard[takerReplica.index] ?? [])].sort(), "the standby stops reporting the shard it handed back");
  assert.notEqual(await holderPid(0), back.child.pid);
  assert.notEqual(await holderPid(2), back.child.pid);
  assert.ok([await holderPid(0), await holderPid(2)].includes(taker), "the standby kept its own shard");
  const before = await rolloutWrites(back.port);
  for (const name of byShard[1] ?? []) await env.setImage(name, "acme/sh:3");
  for (const name of byShard[1] ?? []) await healthyAgain(name);
  assert.ok((await rolloutWrites(back.port)) > before, "the returned replica reconciles its shard again");
  process.stdout.write(`# takeover ${takeoverMs} ms after the kill; hand-back ${handBackMs} ms after the restart\n`);
});
