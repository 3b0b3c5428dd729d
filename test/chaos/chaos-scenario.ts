/**
 * One sandbox scenario under chaos. The cluster (API server, pod processes, endpoints, Prometheus) runs in this
 * process; the controller runs as its own process. v1 is deployed without faults, the gateway and client
 * traffic start, v2 is applied, and from then on until the rollout has ended and settled (one ReplicaSet left
 * with pods): controller SIGKILLs, API faults, watch drops and Prometheus trouble, while the invariants are
 * polled. Then the chaos stops, the final phase is checked, and the poller proves it can see a violation (the
 * stable ReplicaSet scaled to 0 by hand, with the controller gone so nothing repairs it).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { parseSluiceObject } from "../../src/api/objects.ts";
import type { Rollout } from "../../src/api/rollout.ts";
import { ROLLOUT_LABEL } from "../../src/controller/labels.ts";
import type { Violation } from "../../src/core/invariants.ts";
import { startSandboxCluster, type SandboxCluster } from "../../src/sandbox/environment.ts";
import { startGateway, type RunningGateway } from "../../src/sandbox/gateway/index.ts";
import { startLoad, type RunningLoad } from "../../src/sandbox/load/index.ts";
import { baseObjects, NAMESPACE, podTemplate, ROLLOUT, rolloutFor } from "../../src/sandbox/scenario/manifests.ts";
import type { Scenario } from "../../src/sandbox/scenario/scenarios.ts";
import { startApiFaults, type ApiFaultCounts } from "./api-faults.ts";
import { startControllerChaos, type ControllerChaosCounts } from "./controller-chaos.ts";
import { spawnController, type ControllerProcess } from "./controller-process.ts";
import { readSnapshot, STORED } from "./cluster-snapshot.ts";
import { startInvariantPoller, violationsOf, type PollerCounts } from "./invariant-poller.ts";
import { startOperator, type ClientVerdict, type OperatorCounts } from "./operator.ts";
import type { ChaosProfile } from "./profile.ts";
import { startPrometheusChaos, type PrometheusChaosCounts } from "./prometheus-chaos.ts";
import type { Chooser } from "./random-choice.ts";

export type ScenarioReport = {
  scenario: Scenario;
  seed: number;
  final: string;
  ok: boolean;
  controller: ControllerChaosCounts;
  api: ApiFaultCounts;
  prometheus: PrometheusChaosCounts;
  invariants: PollerCounts;
  operator: OperatorCounts;
  /** Measurements of the AnalysisRuns that ended in Error (Prometheus unreachable, a query timed out) or Inconclusive. */
  measurements: MeasurementCounts;
  /** The poller's self-test: the invariants it reported for the stable ReplicaSet scaled to 0 by hand. */
  selfTest: Violation["invariant"][];
  /** ms from v2 applied to its final phase. */
  rolloutMs: number;
  wallMs: number;
  logFile: string;
};

const ROLLOUT_REF = { apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: NAMESPACE, name: ROLLOUT };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => T | undefined, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`chaos: timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

function storedRollout(cluster: SandboxCluster): Rollout | undefined {
  const parsed = parseSluiceObject(cluster.server.store.get(STORED.rollouts, NAMESPACE, ROLLOUT));
  return parsed.status === "valid" && parsed.object.kind === "Rollout" ? parsed.object.value : undefined;
}

function ownReplicaSets(cluster: SandboxCluster) {
  return cluster.server.store
    .list(STORED.replicaSets, NAMESPACE)
    .map((rs) => rs as { metadata?: { name?: string; labels?: Record<string, string> }; spec?: { replicas?: number }; status?: { availableReplicas?: number } })
    .filter((rs) => rs.metadata?.labels?.[ROLLOUT_LABEL] === ROLLOUT);
}

function analysisRunning(cluster: SandboxCluster): boolean {
  return cluster.server.store.list(STORED.analysisRuns, NAMESPACE).some((run) => {
    const phase = (run as { status?: { phase?: string } }).status?.phase;
    return phase === undefined || phase === "Pending" || phase === "Running";
  });
}

export type MeasurementCounts = { runs: number; errors: number; inconclusive: number };

function measurementCounts(cluster: SandboxCluster): MeasurementCounts {
  const runs = cluster.server.store.list(STORED.analysisRuns, NAMESPACE).map((run) => run as { status?: { metricResults?: { error?: number; inconclusive?: number }[] } });
  const results = runs.flatMap((run) => run.status?.metricResults ?? []);
  return { runs: runs.length, errors: results.reduce((n, m) => n + (m.error ?? 0), 0), inconclusive: results.reduce((n, m) => n + (m.inconclusive ?? 0), 0) };
}

/** The phase the rollout of v2 ended in, once it has ended (Aborted counts once traffic is back on stable). */
function endedPhase(rollout: Rollout | undefined, v1: string): string | undefined {
  const s = rollout?.status;
  if (!s || s.currentPodHash === v1) return undefined;
  if (s.phase === "Aborted" && (rollout.spec.strategy.blueGreen || (s.canary?.weights?.canary ?? 0) === 0)) return "Aborted";
  if (s.phase === "Healthy" && s.stableRS !== v1) return "Healthy";
  return undefined;
}

/** What clients saw of this version in the last 20 s: under 1% errors of at least 100 requests is serving well. */
function clientsSaw(loads: RunningLoad[], podHash: string): ClientVerdict {
  const now = Date.now();
  let count = 0;
  let errors = 0;
  for (const load of loads) {
    const seen = load.stats({ fromMs: now - 20_000, toMs: now }).byVersion[podHash];
    count += seen?.count ?? 0;
    errors += seen?.errors ?? 0;
  }
  if (count < 100) return "too few requests";
  return errors / count < 0.01 ? "served well" : "failed";
}

export async function runChaosScenario(scenario: Scenario, profile: ChaosProfile, seed: number, choose: Chooser, runDir: string, say: (line: string) => void): Promise<ScenarioReport> {
  const startedAt = Date.now();
  mkdirSync(runDir, { recursive: true });
  const logFile = join(runDir, `${scenario.name}-${seed}-controller.log`);
  const cluster = await startSandboxCluster({ log: pino({ level: "silent" }) });
  const gateways: RunningGateway[] = [];
  const loads: RunningLoad[] = [];
  let controller: ControllerProcess | undefined;
  const poller = startInvariantPoller({ store: cluster.server.store, namespace: NAMESPACE, rollout: ROLLOUT, intervalMs: profile.pollMs, report: say });
  try {
    const spawn = () => spawnController({ kubeconfigPath: cluster.server.kubeconfigPath, prometheusUrl: cluster.prometheus.url, namespace: NAMESPACE, logFile });
    controller = await spawn();
    for (const obj of baseObjects(scenario, 1, { queryTimeout: profile.queryTimeout, inconclusiveLimit: profile.inconclusiveLimit, judgeCount: profile.judgeCount })) await cluster.kube.create(obj);
    await cluster.kube.create(rolloutFor(scenario, scenario.stable, 1, true));
    const v1 = await until(`${scenario.stable.name} to be Healthy`, () => {
      const s = storedRollout(cluster)?.status;
      return s?.phase === "Healthy" && s.stableRS ? s.stableRS : undefined;
    }, 90_000);

    gateways.push(await startGateway({ kubeConfig: cluster.kc, namespace: NAMESPACE, httpRoute: "demo" }));
    if (scenario.strategy === "blueGreen") gateways.push(await startGateway({ kubeConfig: cluster.kc, namespace: NAMESPACE, httpRoute: "demo-preview" }));
    const rates = [scenario.rate, Math.max(10, Math.round(scenario.rate / 2))];
    gateways.forEach((g, i) => loads.push(startLoad({ url: `${g.url}/`, ratePerSecond: rates[i] ?? 10, durationMs: 15 * 60_000 })));
    await sleep(2000);

    await cluster.kube.mergePatch(ROLLOUT_REF, { spec: { template: podTemplate(scenario.next) } });
    const appliedAt = Date.now();
    say(`chaos: ${scenario.name} (seed ${seed}): ${scenario.next.name} applied, expecting ${scenario.expect}`);
    const killer = startControllerChaos(controller, spawn, choose.fork("controller"), profile.controller, say);
    const api = startApiFaults(cluster.server, choose.fork("api"), profile.api);
    const prometheus = startPrometheusChaos(cluster.prometheus, () => analysisRunning(cluster), choose.fork("prometheus"), profile.prometheus, say);
    const operator = startOperator({
      cluster: { kc: cluster.kc, kube: cluster.kube, namespace: NAMESPACE },
      rollout: ROLLOUT,
      read: () => storedRollout(cluster),
      clientsSaw: (hash) => clientsSaw(loads, hash),
      say,
    });
    let final = "timed out";
    let rolloutMs = 0;
    try {
      final = await until("the rollout to end", () => endedPhase(storedRollout(cluster), v1), profile.scenarioTimeoutMs);
      rolloutMs = Date.now() - appliedAt;
      // Chaos goes on through the scale-down that follows: where a stale view would take away serving pods.
      await until("one ReplicaSet left with pods", () => (ownReplicaSets(cluster).filter((rs) => (rs.spec?.replicas ?? 0) > 0).length === 1 ? true : undefined), 30_000).catch(
        (error: unknown) => say(String(error)),
      );
    } catch (error) {
      rolloutMs = Date.now() - appliedAt;
      const s = storedRollout(cluster)?.status;
      say(`${String(error)}; status: ${s?.phase ?? "-"}: ${s?.message ?? ""}`);
    }
    const operatorCounts = await operator.stop();
    const prometheusCounts = await prometheus.stop();
    const apiCounts = await api.stop();
    const controllerCounts = await killer.stop();
    controller = killer.current();
    // Still in the phase it ended in, now that nothing disturbs it.
    const still = endedPhase(storedRollout(cluster), v1);
    if (final !== "timed out" && still !== final) final = `${final}, then ${still ?? storedRollout(cluster)?.status?.phase ?? "?"}`;
    const invariants = poller.stop();
    const selfTest = await provePollerSees(cluster, controller);
    controller = undefined;
    return {
      scenario,
      seed,
      final,
      ok: final === scenario.expect && invariants.violatingChecks === 0 && selfTest.length > 0,
      controller: controllerCounts,
      api: apiCounts,
      prometheus: prometheusCounts,
      invariants,
      operator: operatorCounts,
      measurements: measurementCounts(cluster),
      selfTest,
      rolloutMs,
      wallMs: Date.now() - startedAt,
      logFile,
    };
  } finally {
    poller.stop();
    await controller?.kill();
    for (const load of loads) await load.stop();
    for (const gateway of gateways) await gateway.stop();
    await cluster.stop();
  }
}

/**
 * The poller's sanity check: with the controller gone, scale the ReplicaSet that serves production to 0 by
 * hand; the checks must report it (a, and b) within a few seconds, or a run that saw nothing proves nothing.
 */
async function provePollerSees(cluster: SandboxCluster, controller: ControllerProcess): Promise<Violation["invariant"][]> {
  const check = () => {
    const snapshot = readSnapshot(cluster.server.store, NAMESPACE, ROLLOUT);
    return snapshot ? violationsOf(snapshot, true) : [];
  };
  await controller.kill();
  const stable = storedRollout(cluster)?.status?.stableRS;
  const rs = ownReplicaSets(cluster).find((r) => r.metadata?.name?.endsWith(`-${stable}`));
  if (!rs?.metadata?.name) return [];
  await cluster.kube.mergePatch({ apiVersion: "apps/v1", kind: "ReplicaSet", namespace: NAMESPACE, name: rs.metadata.name }, { spec: { replicas: 0 } });
  const found = await until("the poller to see the stable ReplicaSet scaled to 0", () => {
    const violations = check();
    return violations.length > 0 ? violations : undefined;
  }, 15_000, 100).catch(() => []);
  return [...new Set(found.map((v) => v.invariant))];
}
