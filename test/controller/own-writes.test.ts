/**
 * Read your own writes: with ReplicaSet and Service watch events 1.5 s late (an API server under load), the
 * controller still never decides on a cache older than its own writes. Measured as writes: the same canary
 * through Gateway API makes exactly the ReplicaSet and Service writes it makes with prompt watches. Without the
 * wait (before src/controller/own-writes.ts) a reconcile woken by its own status write saw the old selectors
 * and replica counts and wrote them again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { routerFor } from "../../src/routers/router-for.ts";
import { startEnv, statusOf } from "../helpers/controller-env.ts";
import { gatewayCanary, gatewayCanaryObjects } from "../helpers/gateway-fixtures.ts";
import { rolloutObject } from "../helpers/rollout-object.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

const rollout = rolloutObject("web", { strategy: gatewayCanary("web", { scaleDownDelaySeconds: 0, steps: [{ setWeight: 50 }, { pause: { duration: 1 } }] }) });

/** Writes to ReplicaSets and Services, by verb and kind, for one canary from v1 Healthy to v2 Healthy. */
async function canaryWrites(watchLagMs: number): Promise<Record<string, number>> {
  const env = await startEnv({ readyDelayMs: 20, preload: [join(REPO_ROOT, "src", "sandbox", "crds", "gateway-api-httproutes.yaml")] });
  try {
    env.server.faults.setWatchLag(["replicasets.apps", "services"], watchLagMs);
    const controller = await env.startController({ routerFor });
    for (const obj of [...gatewayCanaryObjects("web"), rollout]) await env.kube.create(obj);
    const healthy = (image: string) => async () => {
      const r = await env.rollout("web");
      const s = statusOf(r);
      const current = (r.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image;
      const observed = (r.status as { observedGeneration?: number } | undefined)?.observedGeneration === r.metadata.generation;
      return observed && s.phase === "Healthy" && current === image && s.stableRS === s.currentPodHash ? true : undefined;
    };
    await env.waitFor("v1 Healthy", healthy("acme/web:1"), 30_000);
    await env.setImage("web", "acme/web:2");
    await env.waitFor("v2 Healthy", healthy("acme/web:2"), 60_000);
    // Let the old ReplicaSet's scale-down land too.
    await env.waitFor("old pods gone", async () => {
      const sets = await env.kube.list("apps/v1", "ReplicaSet", "default");
      return sets.filter((rs) => ((rs.spec as { replicas?: number }).replicas ?? 0) > 0).length === 1 ? true : undefined;
    }, 30_000);
    const counts: Record<string, number> = {};
    for (const m of (await controller.metrics.apiRequests.get()).values) {
      const { verb, kind } = m.labels as { verb: string; kind: string };
      if ((kind === "ReplicaSet" || kind === "Service") && verb !== "get" && verb !== "list" && verb !== "watch") counts[`${verb} ${kind}`] = (counts[`${verb} ${kind}`] ?? 0) + m.value;
    }
    return counts;
  } finally {
    await env.stop();
  }
}

test("with watch events 1.5 s late the controller writes ReplicaSets and Services exactly as with prompt watches", async () => {
  const prompt = await canaryWrites(0);
  const late = await canaryWrites(1500);
  assert.ok((prompt["patch Service"] ?? 0) >= 3, `the canary pinned Services: ${JSON.stringify(prompt)}`);
  assert.deepEqual(late, prompt, "no write repeated on a lagging cache");
});
