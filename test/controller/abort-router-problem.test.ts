/**
 * Issue 11, item 3 against the real Gateway API router and API server: someone edits one rule of the HTTPRoute
 * by hand mid-canary, so the router reports inconsistent weights; an abort still puts every rule at 100/0.
 * (Failed before the fix: the abort left the canary's weight where it was.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { routerFor } from "../../src/routers/router-for.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { rolloutObject } from "../helpers/rollout-object.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

let env: Env;
before(async () => {
  env = await startEnv({ preload: [join(REPO_ROOT, "src", "sandbox", "crds", "gateway-api-httproutes.yaml")] });
  await env.startController({ routerFor });
});
after(async () => env?.stop());

const ROUTE = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "default", name: "api" };
const service = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: "api" }, ports: [{ port: 80 }] } });
const weighted = (path: string) => ({ matches: [{ path: { type: "PathPrefix", value: path } }], backendRefs: [{ name: "api-stable", port: 80, weight: 100 }, { name: "api-canary", port: 80, weight: 0 }] });

type Rule = { backendRefs: { name: string; weight?: number }[] };
const rules = async (): Promise<Rule[]> => ((await env.kube.get(ROUTE))?.spec as { rules: Rule[] }).rules;
const split = (rule: Rule) => ["api-stable", "api-canary"].map((n) => rule.backendRefs.find((b) => b.name === n)?.weight ?? 0).join("/");

test("an abort sends every rule back to 100/0 although the router reports inconsistent weights", async () => {
  await env.kube.create(service("api-stable"));
  await env.kube.create(service("api-canary"));
  await env.kube.create({ ...ROUTE, metadata: { name: "api", namespace: "default" }, spec: { parentRefs: [{ name: "public" }], rules: [weighted("/"), weighted("/v2")] } });
  await env.kube.create(rolloutObject("api", { strategy: { canary: { stableService: "api-stable", canaryService: "api-canary", trafficRouting: { gatewayAPI: { httpRoute: "api" } }, steps: [{ setWeight: 30 }, { pause: {} }] } } }));
  await env.waitForPhase("api", "Healthy", 20_000);
  await env.setImage("api", "acme/api:2");
  await env.waitForPhase("api", "Paused", 20_000);
  assert.deepEqual((await rules()).map(split), ["70/30", "70/30"]);

  // A hand edit: the second rule now sends 60% to the canary.
  const route = await env.kube.get(ROUTE);
  const edited = structuredClone(route) as KubeObject;
  const second = (edited.spec as { rules: Rule[] }).rules[1];
  for (const ref of second?.backendRefs ?? []) ref.weight = ref.name === "api-canary" ? 60 : 40;
  await env.kube.replace(edited);
  // Nothing watches the HTTPRoute: an in-progress rollout re-reads its router every 30 s; poke it to look now.
  await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "api" }, { metadata: { annotations: { poke: "1" } } });
  const condition = await env.waitFor("TrafficRouting False", async () => {
    const c = statusOf(await env.rollout("api")).conditions?.find((x) => x.type === "TrafficRouting");
    return c?.status === "False" ? c : undefined;
  });
  assert.match(condition.reason ?? "", /Inconsistent/);
  assert.deepEqual((await rules()).map(split), ["70/30", "40/60"], "while the problem stands and nobody aborts, sluice leaves the route alone");

  await env.patchRolloutStatus("api", (s) => ({ ...s, abort: true }));
  await env.waitFor("every rule at 100/0", async () => ((await rules()).map(split).join(",") === "100/0,100/0" ? true : undefined), 10_000);
  await env.waitForPhase("api", "Aborted");
});
