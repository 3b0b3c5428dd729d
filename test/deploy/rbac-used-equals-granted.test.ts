/**
 * Least privilege, proven: the controller runs as deploy/'s ServiceAccount against the sandbox API server in
 * RBAC mode, with only the token the TokenRequest API gave it, and the server records every (verb, group,
 * resource) it authorized or denied for that ServiceAccount. The flows of rbac-flows.ts (every router, blue-green,
 * analysis with Secrets and Jobs, history limits, workloadRef, pod metadata, notifications, leader election,
 * Events) run against `sluice controller` as deployed (all namespaces, --leader-elect in sluice-system), and the
 * sandbox's own scenarios run with their controller under the same ServiceAccount. The test fails on anything
 * used and not granted (denied: a 403 the controller met) and on anything granted and never used.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import type { ResourceAccess } from "../../src/sandbox/apiserver/auth/access-log.ts";
import { startSandboxCluster, startSandboxController } from "../../src/sandbox/environment.ts";
import { prometheusInstalled } from "../../src/sandbox/prometheus.ts";
import { runScenario } from "../../src/sandbox/scenario/run-scenario.ts";
import { SCENARIOS, type ScenarioName } from "../../src/sandbox/scenario/scenarios.ts";
import { loadTraffic } from "../../src/sandbox/scenario/traffic.ts";
import { grantsOf, renderDeploy, rulesOf } from "../helpers/rbac.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";
import { runFlowsAsDeployed, serviceAccountKubeconfig } from "./rbac-controller-run.ts";
import { FLOWS } from "./rbac-flows.ts";

const CONTROLLER_NS = "sluice-system";
const SA = `system:serviceaccount:${CONTROLLER_NS}:sluice-controller`;
/**
 * The sandbox scenarios run here (each a real environment: pods as processes, Prometheus, traffic): every one by
 * default; SLUICE_RBAC_SCENARIOS names some (a comma list), or none.
 */
function sandboxScenarios(): ScenarioName[] {
  const wanted = process.env.SLUICE_RBAC_SCENARIOS;
  if (wanted === undefined || wanted === "" || wanted === "all") return Object.keys(SCENARIOS) as ScenarioName[];
  if (wanted === "none") return [];
  const names = wanted.split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length > 0) throw new Error(`SLUICE_RBAC_SCENARIOS: unknown scenario(s) ${unknown.join(", ")}; choose all, none or of ${Object.keys(SCENARIOS).join(", ")}`);
  return names as ScenarioName[];
}
const SANDBOX_SCENARIOS = sandboxScenarios();

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const stop of cleanups.reverse()) await stop();
});

const key = (e: ResourceAccess) => `${e.verb} ${e.group}/${e.resource}`;
const used: ResourceAccess[] = [];

/** The flows against `sluice controller` as deploy/ runs it: all namespaces, --leader-elect in sluice-system. */
async function runFlows(): Promise<void> {
  await runFlowsAsDeployed({ layoutDir: join(REPO_ROOT, "deploy"), flows: FLOWS, onCleanup: (stop) => cleanups.push(stop), used });
}

/**
 * One sandbox scenario as `sluice sandbox` runs it, its controller with the ServiceAccount's kubeconfig. How it
 * ended goes in the report, not in the verdict: at speed 10 on a loaded machine a latency check may abort a good
 * version (test/sandbox/scenarios-e2e.test.ts judges outcomes); a request RBAC refused shows as denied.
 */
const scenarioOutcomes: string[] = [];
async function runSandboxScenario(name: ScenarioName): Promise<void> {
  const log = pino({ level: "silent" });
  const cluster = await startSandboxCluster({ log, rbac: true });
  cleanups.push(() => cluster.server.stop());
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(await serviceAccountKubeconfig(cluster.server, join(REPO_ROOT, "deploy"), CONTROLLER_NS));
    const env = await startSandboxController(cluster, kc, log);
    const out = Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: false, columns: 100 }) as unknown as NodeJS.WriteStream;
    const result = await runScenario(env, SCENARIOS[name], { speed: 10, autoPromote: true, headless: true, out, log, startTraffic: loadTraffic, timeoutMs: 90_000 });
    await env.stop();
    used.push(...cluster.server.accessLog?.snapshot(SA).resources ?? []);
    scenarioOutcomes.push(`${name}: ${result.outcome} (expected ${result.scenario.expect})`);
  } finally {
    await cluster.stop();
  }
}

test("the controller under deploy/'s ServiceAccount uses exactly what its ClusterRole grants: every (verb, group, resource), nothing denied, nothing unused", { timeout: 420_000 }, async () => {
  const started = Date.now();
  const scenarios = prometheusInstalled()
    ? (async () => {
        for (const name of SANDBOX_SCENARIOS) await runSandboxScenario(name);
      })()
    : Promise.resolve();
  // Both run to the end whatever happens to the other, so nothing is left running and the report is whole.
  const outcomes = await Promise.allSettled([runFlows(), scenarios]);

  const rendered = await renderDeploy();
  const granted = grantsOf(rulesOf(rendered.find((d) => d.kind === "ClusterRole" && d.metadata?.name === "sluice-controller")));
  const usedKeys = new Set(used.map(key));
  const denied = [...new Set(used.filter((e) => e.denied > 0).map((e) => `${key(e)} in ${e.namespace || "(cluster)"} (${e.denied}×)`))].sort();
  const missing = [...usedKeys].filter((k) => !granted.has(k)).sort();
  const unused = [...granted].filter((k) => !usedKeys.has(k)).sort();
  const show = (s: Iterable<string>) => [...s].sort().map((k) => `  ${k}`).join("\n");
  const report = `sandbox scenarios: ${scenarioOutcomes.join("; ") || "none"}\nused (${usedKeys.size}):\n${show(usedKeys)}\ngranted (${granted.size}):\n${show(granted)}\nused, not granted: ${missing.join(", ") || "none"}\ngranted, never used: ${unused.join(", ") || "none"}\ndenied: ${denied.join(", ") || "none"}`;
  process.stdout.write(`# RBAC used = granted check (${Math.round((Date.now() - started) / 1000)} s${prometheusInstalled() ? `, sandbox scenarios: ${SANDBOX_SCENARIOS.join(", ")}` : ", no sandbox scenarios: prometheus not installed"})\n${report.replace(/^/gm, "# ")}\n`);
  for (const outcome of outcomes) if (outcome.status === "rejected") throw new Error(`${String(outcome.reason)}\n${report}`);
  assert.deepEqual({ denied, missing, unused }, { denied: [], missing: [], unused: [] }, report);
});

test("deploy/namespaced grants the same: the ClusterRole's rules in a Role, its clusteranalysistemplates ones in a ClusterRole", async () => {
  const clusterRole = [...grantsOf(rulesOf((await renderDeploy()).find((d) => d.kind === "ClusterRole" && d.metadata?.name === "sluice-controller")))];
  const rendered = await renderDeploy(join(REPO_ROOT, "deploy", "namespaced"));
  const templates = (g: string) => g.endsWith("/clusteranalysistemplates");
  assert.deepEqual([...grantsOf(rulesOf(rendered.find((d) => d.kind === "Role")))].sort(), clusterRole.filter((g) => !templates(g)).sort());
  assert.deepEqual([...grantsOf(rulesOf(rendered.find((d) => d.kind === "ClusterRole")))].sort(), clusterRole.filter(templates).sort());
});
