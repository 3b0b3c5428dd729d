import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { routerFor } from "../../src/routers/router-for.ts";
import type { RunningController } from "../../src/controller/controller.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { assertRequestsAllowedByRbac } from "../helpers/rbac.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

const THIRD_PARTY = join(REPO_ROOT, "src", "sandbox", "crds");
let env: Env;
let controller: RunningController;

before(async () => {
  env = await startEnv({ preload: [join(THIRD_PARTY, "gateway-api-httproutes.yaml")] });
  controller = await env.startController({ routerFor });
});
after(async () => env?.stop());

const service = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });

const httpRoute = (): KubeObject => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name: "web", namespace: "default" },
  spec: {
    parentRefs: [{ name: "public" }],
    rules: [
      { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "web-stable", port: 80, weight: 100 }, { name: "web-canary", port: 80, weight: 0 }] },
      { matches: [{ path: { type: "PathPrefix", value: "/admin" } }], backendRefs: [{ name: "admin", port: 80 }] },
    ],
  },
});

async function weights(): Promise<number[]> {
  const route = await env.kube.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "default", name: "web" });
  const rules = (route?.spec as { rules: { backendRefs: { name: string; weight?: number }[] }[] }).rules;
  const refs = rules[0]?.backendRefs ?? [];
  return [refs.find((b) => b.name === "web-stable")?.weight ?? -1, refs.find((b) => b.name === "web-canary")?.weight ?? -1];
}

test("a canary through a Gateway API HTTPRoute: the missing route is a condition, then each weight reaches the route, then abort restores 100/0", async () => {
  await env.kube.create(service("web-stable"));
  await env.kube.create(service("web-canary"));
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "acme/web:1" }] } },
      strategy: {
        canary: {
          stableService: "web-stable",
          canaryService: "web-canary",
          trafficRouting: { gatewayAPI: { httpRoute: "web" } },
          abortScaleDownDelaySeconds: 0,
          steps: [
            { setHeaderRoute: { name: "testers", match: [{ headerName: "x-canary", headerValue: { exact: "1" } }] } },
            { setWeight: 20 },
            { pause: { duration: 1 } },
            { setWeight: 60 },
            { pause: {} },
          ],
        },
      },
    },
  });
  // No HTTPRoute yet: the rollout says so and waits.
  const waiting = await env.waitFor("TrafficRouting condition", async () => {
    const s = statusOf(await env.rollout("web"));
    const c = s.conditions?.find((x) => x.type === "TrafficRouting");
    return c?.status === "False" ? c : undefined;
  });
  assert.match(waiting.message ?? "", /HTTPRoute/);
  const created = await env.kube.create(httpRoute());
  const adminRule = (created.spec as { rules: unknown[] }).rules[1]; // as stored, with the CRD's defaults
  await env.waitFor("Healthy", async () => (statusOf(await env.rollout("web")).phase === "Healthy" ? true : undefined), 20_000);

  await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "web" }, { spec: { template: { spec: { containers: [{ name: "app", image: "acme/web:2" }] } } } });
  const seen = new Set<string>();
  await env.waitFor("paused at 60%", async () => {
    seen.add((await weights()).join("/"));
    const s = statusOf(await env.rollout("web"));
    return s.phase === "Paused" && s.currentStepIndex === 4 ? s : undefined;
  }, 20_000);
  assert.deepEqual(await weights(), [40, 60]);
  assert.ok(seen.has("80/20"), `the route passed through 20%: ${[...seen]}`);
  assert.deepEqual(statusOf(await env.rollout("web")).canary?.weights, { canary: 60, stable: 40 });
  // The rule that does not name our Services is untouched.
  const route = await env.kube.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "default", name: "web" });
  assert.deepEqual((route?.spec as { rules: unknown[] }).rules[1], adminRule);

  const rulesNow = () => env.kube.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "default", name: "web" }).then((r) => (r?.spec as { rules: { name?: string }[] }).rules);
  assert.ok((await rulesNow()).some((r) => r.name?.startsWith("sluice-web-")), "the header route was added");
  assert.ok((await env.rollout("web")).metadata.finalizers?.toString().includes("sluice.dev/traffic-routing"));

  await env.patchRolloutStatus("web", (s) => ({ ...s, abort: true }));
  await env.waitFor("Aborted with 100/0", async () => {
    const s = statusOf(await env.rollout("web"));
    return s.phase === "Aborted" && (await weights()).join("/") === "100/0" ? true : undefined;
  });
  assert.equal((await rulesNow()).length, 2, "abort removed the managed header route");
});

test("deleting a Rollout mid-canary puts 100% back on stable, removes managed routes, then lets the Rollout go", async () => {
  await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "web" }, { spec: { template: { spec: { containers: [{ name: "app", image: "acme/web:3" }] } } } });
  await env.waitFor("walking again", async () => ((await weights())[1] === 60 ? true : undefined), 20_000);
  await env.kube.delete({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "web" });
  await env.waitFor("Rollout gone", async () => ((await env.kube.get({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "web" })) ? undefined : true));
  assert.deepEqual(await weights(), [100, 0]);
  const route = await env.kube.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "default", name: "web" });
  assert.equal((route?.spec as { rules: unknown[] }).rules.length, 2, "only the user's rules remain");
});

test("every request the controller made is allowed by its least-privilege ClusterRole", async () => {
  const kinds = await assertRequestsAllowedByRbac(controller.metrics);
  assert.ok(kinds >= 6, `only ${kinds} kinds of request were seen`);
});
