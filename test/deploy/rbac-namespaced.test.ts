/**
 * deploy/namespaced, run: the controller of one namespace (my-team), installed from the overlay's own RBAC and
 * started with the overlay's rendered args (--namespace=$(POD_NAMESPACE), its Lease and notification ConfigMap
 * there), drives the flows that share a namespace (Gateway API canary with pod metadata and notifications,
 * blue-green with a ClusterAnalysisTemplate, analysis with Secrets, Jobs and history limits, a background
 * analysis, workloadRef) to their ends under the ServiceAccount's token in RBAC mode. Every request it made must
 * be granted by the overlay's Role (in my-team only) or its one ClusterRole (ClusterAnalysisTemplates), nothing
 * denied, and everything granted used but the other routers' kinds, which no flow here exercises (the
 * cluster-wide test runs those through every router).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import type { ResourceAccess } from "../../src/sandbox/apiserver/auth/access-log.ts";
import { grantsOf, renderDeploy, rulesOf } from "../helpers/rbac.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";
import { runFlowsAsDeployed } from "./rbac-controller-run.ts";
import { SHARED_NAMESPACE_FLOWS } from "./rbac-flows.ts";

const LAYOUT = join(REPO_ROOT, "deploy", "namespaced");
const TEAM = "my-team";
/** Router kinds only the other routers' flows use (they run in the cluster-wide test). */
const OTHER_ROUTERS = new Set(["networking.k8s.io/ingresses", "networking.istio.io/virtualservices", "networking.istio.io/destinationrules", "split.smi-spec.io/trafficsplits"]);

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const stop of cleanups.reverse()) await stop();
});

test("deploy/namespaced runs: its controller manages my-team under the overlay's Role, nothing denied, nothing outside my-team but ClusterAnalysisTemplates", { timeout: 180_000 }, async () => {
  const used: ResourceAccess[] = [];
  let failure: unknown;
  try {
    await runFlowsAsDeployed({ layoutDir: LAYOUT, flows: SHARED_NAMESPACE_FLOWS, namespace: TEAM, onCleanup: (stop) => cleanups.push(stop), used });
  } catch (error) {
    failure = error;
  }
  const rendered = await renderDeploy(LAYOUT);
  const role = grantsOf(rulesOf(rendered.find((d) => d.kind === "Role")));
  const clusterRole = grantsOf(rulesOf(rendered.find((d) => d.kind === "ClusterRole")));
  const key = (e: ResourceAccess) => `${e.verb} ${e.group}/${e.resource}`;
  const where = (e: ResourceAccess) => `${key(e)} in ${e.namespace || "(cluster)"}`;

  const denied = used.filter((e) => e.denied > 0).map(where);
  // In my-team by the Role; cluster-wide only what the ClusterRole grants (a cluster-wide list of anything else
  // would be a controller that ignores --namespace).
  const outside = used.filter((e) => (e.namespace === TEAM ? !role.has(key(e)) : !clusterRole.has(key(e)) || e.namespace !== "")).map(where);
  const usedKeys = new Set(used.map(key));
  const unused = [...role, ...clusterRole].filter((k) => !usedKeys.has(k) && !OTHER_ROUTERS.has(k.split(" ")[1] ?? "")).sort();
  const report = `used:\n${[...new Set(used.map(where))].sort().map((k) => `  ${k}`).join("\n")}\ndenied: ${denied.join(", ") || "none"}\nnot granted where used: ${outside.join(", ") || "none"}\ngranted, never used: ${unused.join(", ") || "none"}`;
  process.stdout.write(`# deploy/namespaced under RBAC\n${report.replace(/^/gm, "# ")}\n`);
  if (failure !== undefined) throw new Error(`${failure instanceof Error ? failure.message : String(failure)}\n${report}`);
  assert.deepEqual({ denied, outside, unused }, { denied: [], outside: [], unused: [] }, report);
  assert.ok(used.some((e) => e.namespace === TEAM && key(e) === "update coordination.k8s.io/leases"), `the Lease is held in ${TEAM}`);
});
