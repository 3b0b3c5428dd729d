/**
 * Fencing: a reconcile caught in a slow router call when the controller loses the Lease makes no further write,
 * neither the router write it was about to send nor the status after it. Writes are counted at the API server.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ConflictError } from "../../src/kube/kube-client.ts";
import { microTime } from "../../src/kube/leader-election.ts";
import { gatewayApiRouter } from "../../src/routers/gateway-api/router.ts";
import type { TrafficRouter } from "../../src/routers/types.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";
import { gatewayCanary, gatewayCanaryObjects } from "../helpers/gateway-fixtures.ts";
import { rolloutObject } from "../helpers/rollout-object.ts";

let env: Env;
before(async () => {
  env = await startEnv({ preload: [join(REPO_ROOT, "src", "sandbox", "crds", "gateway-api-httproutes.yaml")] });
});
after(async () => env?.stop());

/** Every write the API server stores, except Lease renewals and the simulated kubelet's ReplicaSet status. */
function countWrites(env: Env): { count(): number; kinds(): string[] } {
  const seen: string[] = [];
  env.server.store.onEvent((storageKey, event) => {
    if (storageKey === "leases.coordination.k8s.io") return;
    const spec = (o: unknown) => JSON.stringify((o as { spec?: unknown } | undefined)?.spec);
    if (storageKey === "replicasets.apps" && event.type === "MODIFIED" && spec(event.previous) === spec(event.object)) return;
    seen.push(`${event.type} ${storageKey}`);
  });
  return { count: () => seen.length, kinds: () => [...seen] };
}

test("losing the Lease stops a reconcile in flight before its next write", { timeout: 60_000 }, async () => {
  for (const obj of gatewayCanaryObjects("web")) await env.kube.create(obj);
  await env.kube.create(rolloutObject("web", { strategy: gatewayCanary("web", { steps: [{ setWeight: 50 }, { pause: {} }] }) }));

  // The router's apply (the weight change) blocks until the test lets it go: a slow API call mid-plan.
  let gateArmed = false;
  let blocked: (() => void) | undefined;
  const reachedGate = new Promise<void>((resolve) => (blocked = resolve));
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let resumed = 0;
  const slow = (inner: TrafficRouter): TrafficRouter => ({
    ...inner,
    async apply(rollout, want, context) {
      if (gateArmed) {
        blocked?.();
        await gate;
        resumed++;
      }
      return inner.apply(rollout, want, context);
    },
  });
  const controller = await env.startController({
    routerFor: (rollout, kube) => (rollout.spec.strategy.canary?.trafficRouting ? slow(gatewayApiRouter(kube)) : undefined),
    leaderElection: { namespace: "default", name: "fencing", identity: "controller-a", retryPeriodSeconds: 0.1 },
  });
  await env.waitFor("v1 Healthy", async () => (statusOf(await env.rollout("web")).phase === "Healthy" ? true : undefined), 20_000);
  assert.ok(controller.isLeader());

  gateArmed = true;
  await env.setImage("web", "acme/web:2");
  await Promise.race([reachedGate, new Promise((_, reject) => setTimeout(() => reject(new Error("the reconcile never reached the router")), 20_000))]);

  // Another candidate takes the Lease (as if ours had expired in its eyes). The holder renews every 100 ms,
  // so the takeover is retried on a conflict, as a real candidate's would be. A test failing before the gate
  // is released must still let the reconcile finish, or stopping the controller waits for it forever.
  after(() => release());
  await env.waitFor("controller-b holds the Lease", async () => {
    const lease = await env.kube.get({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "default", name: "fencing" });
    if (!lease) return undefined;
    try {
      await env.kube.replace({ ...lease, spec: { holderIdentity: "controller-b", leaseDurationSeconds: 15, renewTime: microTime(new Date()), acquireTime: microTime(new Date()) } });
      return true;
    } catch (error) {
      if (error instanceof ConflictError) return undefined;
      throw error;
    }
  }, 5_000);
  await env.waitFor("controller-a sees it lost the Lease", async () => (controller.isLeader() ? undefined : true), 5_000);

  const writes = countWrites(env);
  release();
  await env.waitFor("the blocked reconcile resumes", async () => (resumed > 0 ? true : undefined), 5_000);
  await new Promise((r) => setTimeout(r, 1_500));
  assert.deepEqual(writes.kinds(), [], "writes reached the API server after the Lease was lost");
  const route = await env.kube.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "default", name: "web" });
  const canaryWeight = (route?.spec as { rules: { backendRefs: { name: string; weight: number }[] }[] }).rules[0]?.backendRefs.find((b) => b.name === "web-canary")?.weight;
  assert.equal(canaryWeight, 0, "the router write of the fenced reconcile was not sent");
});
