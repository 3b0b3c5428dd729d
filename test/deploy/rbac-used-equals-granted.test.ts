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
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { ClientNodeKube } from "../../src/kube/kube-client.ts";
import { startApiServer, kubeconfigYaml, type ApiServer } from "../../src/sandbox/apiserver/index.ts";
import type { ResourceAccess } from "../../src/sandbox/apiserver/auth/access-log.ts";
import { allThirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { startSandboxCluster, startSandboxController } from "../../src/sandbox/environment.ts";
import { prometheusInstalled } from "../../src/sandbox/prometheus.ts";
import { runScenario } from "../../src/sandbox/scenario/run-scenario.ts";
import { SCENARIOS, type ScenarioName } from "../../src/sandbox/scenario/scenarios.ts";
import { loadTraffic } from "../../src/sandbox/scenario/traffic.ts";
import { CRD_FILES } from "../helpers/controller-env.ts";
import { freePort } from "../helpers/free-port.ts";
import { grantsOf, rbacObjectsYaml, renderDeploy, rulesOf } from "../helpers/rbac.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";
import { FLOWS, sharedObjects, type FlowContext } from "./rbac-flows.ts";
import { listenLocal } from "../helpers/local-http.ts";

const CONTROLLER_NS = "sluice-system";
const SA = `system:serviceaccount:${CONTROLLER_NS}:sluice-controller`;
/**
 * The sandbox scenarios run here (each a real environment: pods as processes, Prometheus, traffic). Two keep the
 * test near a minute on two cores; SLUICE_RBAC_SCENARIOS=all runs every one, a comma list names some, none none.
 */
function sandboxScenarios(): ScenarioName[] {
  const wanted = process.env.SLUICE_RBAC_SCENARIOS;
  if (wanted === undefined || wanted === "") return ["canary-promote", "blue-green"];
  if (wanted === "all") return Object.keys(SCENARIOS) as ScenarioName[];
  if (wanted === "none") return [];
  const names = wanted.split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length > 0) throw new Error(`SLUICE_RBAC_SCENARIOS: unknown scenario(s) ${unknown.join(", ")}; choose all, none or of ${Object.keys(SCENARIOS).join(", ")}`);
  return names as ScenarioName[];
}
const SANDBOX_SCENARIOS = sandboxScenarios();

const children: ChildProcess[] = [];
const servers: Server[] = [];
const apiServers: ApiServer[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  for (const s of apiServers) await s.stop();
});

function kubectl(kubeconfig: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("kubectl", args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr}`)) : resolve(stdout)));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** deploy/'s namespace, ServiceAccount and RBAC applied with kubectl, then a kubeconfig carrying only the ServiceAccount's token. */
async function serviceAccountKubeconfig(server: ApiServer): Promise<string> {
  await kubectl(server.kubeconfigPath, ["apply", "-f", "-"], await rbacObjectsYaml());
  const token = (await kubectl(server.kubeconfigPath, ["create", "token", "sluice-controller", "-n", CONTROLLER_NS, "--duration=1h"])).trim();
  const path = join(mkdtempSync(join(tmpdir(), "sluice-rbac-sa-")), "kubeconfig");
  writeFileSync(path, kubeconfigYaml({ server: server.url, ...(server.caCertPem ? { caCertPem: server.caCertPem } : {}), token }), { mode: 0o600 });
  return path;
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return listenLocal(server);
}

const key = (e: ResourceAccess) => `${e.verb} ${e.group}/${e.resource}`;
const used: ResourceAccess[] = [];

/**
 * The flows against `sluice controller` as a process, cluster-wide with leader election, as deploy/ runs it.
 * Records what the ServiceAccount used even when a flow fails (a 403 is the likeliest reason), then throws.
 */
async function runFlows(): Promise<void> {
  // Prometheus as far as the analyses need it: every query is 0 (healthy); the bearer token must come along.
  const promAuth = new Set<string>();
  const prometheus = await listen((req, res) => {
    promAuth.add(req.headers.authorization ?? "");
    req.resume().on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [Date.now() / 1000, "0"] }] } }));
    });
  });
  const notified = new Map<string, number>();
  const hookUrl = `${await listen((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      const name = String((JSON.parse(text) as { rollout?: { name?: string } }).rollout?.name);
      notified.set(name, (notified.get(name) ?? 0) + 1);
      res.writeHead(200).end();
    });
  })}/hook`;

  const server = await startApiServer({ rbac: true, tls: true, preload: [...CRD_FILES, ...allThirdPartyCrdFiles], simulatePods: true, readyDelayMs: 50 });
  apiServers.push(server);
  const saKubeconfig = await serviceAccountKubeconfig(server);
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  const kube = new ClientNodeKube(kc);
  for (const obj of sharedObjects(hookUrl, CONTROLLER_NS)) await kube.create(obj);

  const port = await freePort();
  const controller = spawn(process.execPath, [
    join(REPO_ROOT, "src", "cli", "bin.ts"), "controller", "--kubeconfig", saKubeconfig, "--leader-elect", "--leader-elect-namespace", CONTROLLER_NS,
    "--notifications-namespace", CONTROLLER_NS, "--prometheus-address", prometheus, "--metrics-addr", `127.0.0.1:${port}`, "--health-addr", `127.0.0.1:${port}`, "--log-level", "warn",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  children.push(controller);
  let logs = "";
  controller.stderr?.on("data", (d: Buffer) => (logs = (logs + d.toString()).slice(-20_000)));

  const ctx: FlowContext = { kube, hookUrl, notificationsFor: (name) => notified.get(name) ?? 0 };
  const results = await Promise.allSettled(Object.entries(FLOWS).map(async ([name, flow]) => {
    try {
      await flow(ctx);
    } catch (error) {
      throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }));
  // SIGTERM: the Lease is released (an update) on the way out, as on a rolling update of the Deployment.
  controller.kill("SIGTERM");
  await new Promise((r) => controller.once("exit", r));
  used.push(...server.accessLog?.snapshot(SA).resources ?? []);
  const failed = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
  assert.deepEqual(failed, [], `flows that did not end as they should (controller's log tail:\n${logs.slice(-4000)})`);
  assert.ok(promAuth.has("Bearer prom-s3cret"), "the Prometheus metric sent the token from its Secret");
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
  apiServers.push(cluster.server);
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(await serviceAccountKubeconfig(cluster.server));
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

test("the controller under deploy/'s ServiceAccount uses exactly what its ClusterRole grants: every (verb, group, resource), nothing denied, nothing unused", { timeout: 240_000 }, async () => {
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
