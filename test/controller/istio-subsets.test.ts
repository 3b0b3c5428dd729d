/**
 * Argo's Istio subset-level traffic splitting through the real controller and the sandbox API server: no
 * stableService or canaryService, the VirtualService routes to the DestinationRule's host and its subsets tell
 * the versions apart. Every state of the DestinationRule, the VirtualService and the ReplicaSets is followed:
 * whenever a subset gets weight, it is pinned to its own version's hash and that version has available pods
 * (the canary subset is pinned before weight goes to it, stable's re-pinned before the canary's weight leaves).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { POD_TEMPLATE_HASH_LABEL } from "../../src/api/group.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { routerFor } from "../../src/routers/router-for.ts";
import { allThirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { rolloutManifest, startEnv, statusOf, type Env } from "../helpers/controller-env.ts";

const ISTIO = "networking.istio.io/v1";

type Sample = { stableWeight: number; canaryWeight: number; stable: string | undefined; canary: string | undefined; available: Record<string, number> };

const userObjects = (): KubeObject[] => [
  {
    apiVersion: ISTIO,
    kind: "DestinationRule",
    metadata: { name: "shop", namespace: "default" },
    spec: { host: "shop", subsets: [{ name: "stable", labels: { app: "shop" } }, { name: "canary", labels: { app: "shop" } }] },
  },
  {
    apiVersion: ISTIO,
    kind: "VirtualService",
    metadata: { name: "shop", namespace: "default" },
    spec: {
      hosts: ["shop"],
      http: [{ name: "primary", route: [{ destination: { host: "shop", subset: "stable" }, weight: 100 }, { destination: { host: "shop", subset: "canary" }, weight: 0 }] }],
    },
  },
];

describe("canary through Istio by DestinationRule subsets, without stableService/canaryService", () => {
  let env: Env;
  before(async () => {
    env = await startEnv({ preload: [...allThirdPartyCrdFiles] });
    await env.startController({ routerFor });
  });
  after(async () => env?.stop());

  const hashesOf = (rule: unknown) => {
    const subsets = (rule as { spec?: { subsets?: { name: string; labels?: Record<string, string> }[] } } | undefined)?.spec?.subsets ?? [];
    const of = (name: string) => subsets.find((s) => s.name === name)?.labels?.[POD_TEMPLATE_HASH_LABEL];
    return { stable: of("stable"), canary: of("canary") };
  };
  const weightsOf = (vs: unknown) => {
    const route = (vs as { spec?: { http?: { route?: { destination: { subset?: string }; weight?: number }[] }[] } } | undefined)?.spec?.http?.[0]?.route ?? [];
    const weight = (subset: string) => route.find((d) => d.destination.subset === subset)?.weight ?? (route.length === 1 ? 100 : 0);
    return { stableWeight: weight("stable"), canaryWeight: weight("canary") };
  };

  /**
   * Every state the cluster passes through, from the API server's own store (in commit order, so no state
   * between two of the controller's writes is missed): the subsets, the weights and each ReplicaSet's available pods.
   */
  function follow(seed: { rule: unknown; vs: unknown; sets: KubeObject[] }) {
    const samples: Sample[] = [];
    let { rule, vs } = seed;
    const available: Record<string, number> = {};
    for (const rs of seed.sets) {
      const hash = rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
      if (hash) available[hash] = Number((rs.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0);
    }
    const stop = env.server.store.onEvent((key, event) => {
      if (event.namespace !== "default") return;
      const object = event.object as KubeObject;
      if (key.startsWith("destinationrules.")) rule = object;
      else if (key.startsWith("virtualservices.")) vs = object;
      else if (key === "replicasets.apps") {
        const hash = object.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
        if (hash) available[hash] = event.type === "DELETED" ? 0 : Number((object.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0);
      } else return;
      if (vs) samples.push({ ...weightsOf(vs), ...hashesOf(rule), available: { ...available } });
    });
    return { samples, stop: () => void stop() };
  }

  /** Following from a settled state: what is there already, then every change. */
  async function followFromNow() {
    const ref = (kind: string) => ({ apiVersion: ISTIO, kind, namespace: "default", name: "shop" });
    const seed = { rule: await env.kube.get(ref("DestinationRule")), vs: await env.kube.get(ref("VirtualService")), sets: await env.kube.list("apps/v1", "ReplicaSet", "default") };
    return follow(seed);
  }

  async function current(): Promise<Sample> {
    const ref = (kind: string) => ({ apiVersion: ISTIO, kind, namespace: "default", name: "shop" });
    return { ...weightsOf(await env.kube.get(ref("VirtualService"))), ...hashesOf(await env.kube.get(ref("DestinationRule"))), available: {} };
  }

  test("each weight reaches the subset pinned to its version's available pods; abort → 100/0 on stable; the next revision promotes", { timeout: 90_000 }, async () => {
    for (const obj of userObjects()) await env.kube.create(obj);
    await env.kube.create(
      rolloutManifest("shop", {
        canary: {
          trafficRouting: { istio: { virtualService: { name: "shop", routes: ["primary"] }, destinationRule: { name: "shop", stableSubsetName: "stable", canarySubsetName: "canary" } } },
          abortScaleDownDelaySeconds: 0,
          scaleDownDelaySeconds: 0,
          steps: [{ setWeight: 20 }, { pause: { duration: 1 } }, { setWeight: 60 }, { pause: {} }],
        },
      }),
    );
    const v1 = await env.waitForPhase("shop", "Healthy", 20_000);
    const first = await current();
    assert.deepEqual([first.stable, first.canary], [v1.stableRS, v1.stableRS], "no canary yet: both subsets select the stable pods");

    const watch = await followFromNow();
    await env.setImage("shop", "acme/shop:2");
    const paused = await env.waitForPhase("shop", "Paused", 20_000, (s) => s.currentStepIndex === 3);
    const v2 = paused.currentPodHash;
    assert.notEqual(v2, v1.stableRS);
    const at60 = await current();
    assert.deepEqual([at60.stableWeight, at60.canaryWeight], [40, 60]);

    await env.patchRolloutStatus("shop", (s) => ({ ...s, abort: true }));
    await env.waitFor("Aborted at 100/0", async () => {
      const s = statusOf(await env.rollout("shop"));
      const seen = await current();
      return s.phase === "Aborted" && seen.canaryWeight === 0 ? true : undefined;
    });
    const aborted = await current();
    assert.equal(aborted.stable, v1.stableRS, "abort leaves stable's subset on the stable pods");

    // A third revision runs to the end: promotion moves stable's subset before the canary weight returns to 0.
    await env.setImage("shop", "acme/shop:3");
    const paused3 = await env.waitForPhase("shop", "Paused", 20_000, (s) => s.currentStepIndex === 3 && s.currentPodHash !== v2);
    const v3 = paused3.currentPodHash;
    await env.promote("shop");
    await env.waitForPhase("shop", "Healthy", 20_000, (s) => s.stableRS === v3);
    await env.waitFor("traffic back on the stable subset", async () => ((await current()).canaryWeight === 0 ? true : undefined));
    watch.stop();

    const samples = watch.samples;
    const weights = new Set(samples.map((s) => `${s.stableWeight}/${s.canaryWeight}`));
    for (const passed of ["80/20", "40/60", "0/100"]) assert.ok(weights.has(passed), `passed through ${passed}: ${[...weights].join(" ")}`);
    for (const s of samples) {
      const at = JSON.stringify(s);
      if (s.canaryWeight > 0) {
        assert.ok(s.canary === v2 || s.canary === v3, `the canary subset selects a canary version whenever it has weight: ${at}`);
        assert.ok((s.available[s.canary ?? ""] ?? 0) > 0, `the canary subset's pods are available whenever it has weight: ${at}`);
      }
      if (s.stableWeight > 0) {
        assert.ok(s.stable === v1.stableRS || (s.stable === v3 && s.canaryWeight < 100), `the stable subset selects the stable version whenever it has weight: ${at}`);
        assert.ok((s.available[s.stable ?? ""] ?? 0) > 0, `the stable subset's pods are available whenever it has weight: ${at}`);
      }
      // While v1 is stable the stable subset never leaves it; v3's pods take it only after the canary had all traffic.
      if (s.canary === v2) assert.equal(s.stable, v1.stableRS, at);
    }
    // Promotion: once v3 has had all the traffic, stable's subset carries weight again only pinned to v3.
    const allOnV3 = samples.findIndex((s) => s.canary === v3 && s.canaryWeight === 100);
    assert.ok(allOnV3 >= 0, "promotion sent all traffic to the canary subset first");
    for (const s of samples.slice(allOnV3)) if (s.stableWeight > 0) assert.equal(s.stable, v3, `stable's subset re-pinned before it got traffic back: ${JSON.stringify(s)}`);
    const last = samples.at(-1);
    assert.deepEqual([last?.stable, last?.canary, last?.canaryWeight], [v3, v3, 0], "promoted: both subsets on the new stable, all traffic on stable's");
  });
});
