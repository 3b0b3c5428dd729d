/**
 * Every router through the real controller and the sandbox API server: a missing router object is a
 * condition that clears once it exists, a canary walks its weights into the provider's object, abort
 * restores 100/0, and deleting the Rollout leaves the user's objects as they were (owned ones are gone).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { routerFor } from "../../src/routers/router-for.ts";
import { allThirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { get, providers } from "../helpers/router-providers.ts";

for (const provider of providers) {
  describe(`canary through ${provider.name}`, () => {
    let env: Env;
    before(async () => {
      env = await startEnv({ preload: [...allThirdPartyCrdFiles] });
      await env.startController({ routerFor });
    });
    after(async () => env?.stop());

    test("missing object → condition; then each weight reaches the object; abort → 100/0; deletion cleans up", { timeout: 60_000 }, async () => {
      for (const name of ["shop-stable", "shop-canary"]) {
        await env.kube.create({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: "shop" }, ports: [{ port: 80 }] } });
      }
      await env.kube.create({
        apiVersion: API_GROUP_VERSION,
        kind: "Rollout",
        metadata: { name: "shop", namespace: "default" },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "shop" } },
          template: { metadata: { labels: { app: "shop" } }, spec: { containers: [{ name: "app", image: "acme/shop:1" }] } },
          strategy: {
            canary: {
              stableService: "shop-stable",
              canaryService: "shop-canary",
              trafficRouting: provider.trafficRouting,
              abortScaleDownDelaySeconds: 0,
              steps: [{ setWeight: 20 }, { pause: { duration: 1 } }, { setWeight: 60 }, { pause: {} }],
            },
          },
        },
      });
      const userObjects = provider.userObjects();
      if (userObjects.length > 0) {
        const problem = await env.waitFor("the router's condition", async () => {
          const c = statusOf(await env.rollout("shop")).conditions?.find((x) => x.type === "TrafficRouting");
          return c?.status === "False" ? c : undefined;
        });
        assert.ok(problem.message && problem.message.length > 10, `the condition explains itself: ${problem.message}`);
        for (const obj of userObjects) await env.kube.create(obj);
      }
      await env.waitFor("Healthy", async () => (statusOf(await env.rollout("shop")).phase === "Healthy" ? true : undefined), 20_000);
      const before = await Promise.all(userObjects.map((o) => env.kube.get({ apiVersion: o.apiVersion, kind: o.kind, namespace: "default", name: o.metadata.name })));

      await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "shop" }, { spec: { template: { spec: { containers: [{ name: "app", image: "acme/shop:2" }] } } } });
      const seen = new Set<string>();
      await env.waitFor("paused at 60%", async () => {
        const w = await provider.weights(env.kube);
        if (w) seen.add(w.join("/"));
        const s = statusOf(await env.rollout("shop"));
        return s.phase === "Paused" && s.currentStepIndex === 3 ? true : undefined;
      }, 20_000);
      assert.deepEqual(await provider.weights(env.kube), [40, 60]);
      assert.ok(seen.has("80/20"), `passed through 20%: ${[...seen].join(" ")}`);
      assert.deepEqual(statusOf(await env.rollout("shop")).canary?.weights, { canary: 60, stable: 40 });
      if (provider.name.includes("subsets")) {
        const s = statusOf(await env.rollout("shop"));
        const dr = await get(env.kube, "networking.istio.io/v1", "DestinationRule", "shop");
        const subsets = (dr?.spec as { subsets: { name: string; labels: Record<string, string> }[] }).subsets;
        assert.equal(subsets.find((x) => x.name === "stable")?.labels["rollouts-pod-template-hash"], s.stableRS);
        assert.equal(subsets.find((x) => x.name === "canary")?.labels["rollouts-pod-template-hash"], s.currentPodHash);
      }

      await env.patchRolloutStatus("shop", (s) => ({ ...s, abort: true }));
      await env.waitFor("Aborted at 100/0", async () => {
        const s = statusOf(await env.rollout("shop"));
        const w = await provider.weights(env.kube);
        return s.phase === "Aborted" && w?.join("/") === "100/0" ? true : undefined;
      });

      await env.kube.delete({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "shop" });
      await env.waitFor("Rollout gone", async () => ((await env.kube.get({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "shop" })) ? undefined : true));
      for (const owned of provider.owned ?? []) {
        await env.waitFor(`${owned.kind} ${owned.name} garbage-collected`, async () => ((await get(env.kube, owned.apiVersion, owned.kind, owned.name)) ? undefined : true));
      }
      // The user's objects are back to what they were before the canary (spec-wise).
      const afterwards = await Promise.all(userObjects.map((o) => env.kube.get({ apiVersion: o.apiVersion, kind: o.kind, namespace: "default", name: o.metadata.name })));
      const specOf = provider.specOf ?? ((o: KubeObject | undefined) => o?.spec);
      assert.deepEqual(afterwards.map(specOf), before.map(specOf));
    });
  });
}
