/**
 * One scenario on a sandbox environment: deploy v1, put the gateway and steady client traffic in front, roll
 * out the next version, follow it live, and report what the rollout decided and what clients saw.
 */
import type { Logger } from "pino";
import { API_GROUP_VERSION } from "../../api/group.ts";
import type { AnalysisRun } from "../../api/analysis-run.ts";
import type { Rollout } from "../../api/rollout.ts";
import { PHASE_MARK } from "../../cli/view/analysis-lines.ts";
import { renderRollout } from "../../cli/view/render-rollout.ts";
import { liveOutput, summaryLine } from "../../cli/watch/live-output.ts";
import { watchRollout } from "../../cli/watch/watch-rollout.ts";
import { startGateway, type RunningGateway } from "../gateway/index.ts";
import type { SandboxEnvironment } from "../environment.ts";
import { baseObjects, NAMESPACE, podTemplate, ROLLOUT, rolloutFor } from "./manifests.ts";
import type { Scenario } from "./scenarios.ts";
import { NO_LATENCY, summaryTable, type ClientStats, type SummaryRow } from "./summary.ts";
import { segmentsOf, snapshotOf, type Segment, type StatusSnapshot } from "./timeline.ts";

/** Client traffic as the scenario needs it: a load generator behind this small interface. */
export type Traffic = { stats(from: number, to: number): ClientStats; stop(): Promise<void> };
export type StartTraffic = (target: string, ratePerSecond: number) => Traffic;

export type ScenarioOptions = {
  speed: number;
  /** Blue-green: promote automatically (else wait for `sluice promote`). */
  autoPromote: boolean;
  headless: boolean;
  out: NodeJS.WriteStream;
  log: Logger;
  startTraffic: StartTraffic;
  /** Give up after this long (ms) once the new version is applied. */
  timeoutMs: number;
};

export type ScenarioResult = {
  scenario: Scenario;
  outcome: string;
  ok: boolean;
  table: string;
  /** Client-side facts the scenario promises, each with whether it held. */
  checks: { what: string; ok: boolean }[];
  previewUrl?: string | undefined;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`sandbox: timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A measured value at three significant digits, so the table stays readable; text that is not a number as is. */
function shortValue(value: string | undefined): string {
  const n = Number(value);
  return value === undefined ? "-" : value.trim() !== "" && Number.isFinite(n) ? String(Number(n.toPrecision(3))) : value;
}

function verdictsFor(segment: Segment, runs: AnalysisRun[]): string {
  return runs
    .filter((run) => {
      const started = Date.parse(run.status?.startedAt ?? run.metadata.creationTimestamp ?? "");
      return started >= segment.from - 1000 && started < segment.to;
    })
    .flatMap((run) =>
      (run.status?.metricResults ?? []).map((m) => {
        const last = m.measurements?.at(-1);
        return `${m.name} ${shortValue(last?.value)} ${PHASE_MARK[m.phase ?? "Pending"]?.mark ?? "·"}`;
      }),
    )
    .join(", ");
}

/**
 * What clients saw in a window: requests and errors from every client (blue-green's preview clients too, so
 * the new version's requests are counted), latency quantiles from the production clients only.
 */
function clientStats(traffic: Traffic[], from: number, to: number): ClientStats {
  const [main, ...others] = traffic.map((t) => t.stats(from, to));
  if (!main) return { count: 0, errors: 0, latencyMs: NO_LATENCY, byHash: new Map() };
  const byHash = new Map(main.byHash);
  for (const other of others) for (const [hash, n] of other.byHash) byHash.set(hash, (byHash.get(hash) ?? 0) + n);
  return {
    count: main.count + others.reduce((n, o) => n + o.count, 0),
    errors: main.errors + others.reduce((n, o) => n + o.errors, 0),
    latencyMs: main.latencyMs,
    byHash,
  };
}

export async function runScenario(env: SandboxEnvironment, scenario: Scenario, options: ScenarioOptions): Promise<ScenarioResult> {
  const { kube } = env;
  const ref = { apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: NAMESPACE, name: ROLLOUT };
  const say = (line: string) => options.out.write(`${line}\n`);
  say(`sandbox: ${scenario.name}: ${scenario.title}`);

  for (const obj of baseObjects(scenario, options.speed)) await kube.create(obj);
  await kube.create(rolloutFor(scenario, scenario.stable, options.speed, options.autoPromote));
  const v1 = await waitFor(`${scenario.stable.name} to be Healthy`, async () => {
    const r = await kube.get(ref);
    const s = r?.status as { phase?: string; stableRS?: string } | undefined;
    return s?.phase === "Healthy" && s.stableRS ? s.stableRS : undefined;
  }, 60_000);
  say(`sandbox: ${scenario.stable.name} is Healthy (pods ${env.runner.pods().map((p) => `:${p.port}`).join(" ")})`);

  const gateways: RunningGateway[] = [await startGateway({ kubeConfig: env.kc, namespace: NAMESPACE, httpRoute: "demo" })];
  let previewUrl: string | undefined;
  if (scenario.strategy === "blueGreen") {
    const preview = await startGateway({ kubeConfig: env.kc, namespace: NAMESPACE, httpRoute: "demo-preview" });
    gateways.push(preview);
    previewUrl = preview.url;
  }
  const traffic = [options.startTraffic(gateways[0]?.url ?? "", scenario.rate)];
  // The preview gets a small smoke-test load, so its analysis has requests to judge.
  if (previewUrl) traffic.push(options.startTraffic(previewUrl, Math.max(10, Math.round(scenario.rate / 2))));
  say(`sandbox: traffic: ${scenario.rate} requests/s through ${gateways[0]?.url}${previewUrl ? `; preview at ${previewUrl}` : ""}`);
  await sleep(2000);

  const startedAt = Date.now();
  await kube.mergePatch(ref, { spec: { template: podTemplate(scenario.next) } });
  say(`sandbox: rolling out ${scenario.next.name} (${Object.entries(scenario.next.env).map(([k, v]) => `${k}=${v}`).join(" ")})`);
  if (scenario.strategy === "blueGreen" && !options.autoPromote) {
    say(`sandbox: when the preview looks right, promote it from another terminal: sluice --kubeconfig ${env.server.kubeconfigPath} promote ${ROLLOUT}`);
  }

  const snapshots: StatusSnapshot[] = [];
  let latest: { rollout: Rollout; runs: AnalysisRun[] } | undefined;
  const live = liveOutput(options.out, !options.headless && Boolean(options.out.isTTY));
  const watcher = watchRollout({ kc: env.kc, kube, namespace: NAMESPACE }, ROLLOUT, (event) => {
    if (event.kind !== "state") return;
    latest = { rollout: event.state.rollout, runs: event.state.analysisRuns };
    const snap = snapshotOf(event.state.rollout, Date.now());
    const previous = snapshots.at(-1);
    if (!previous || previous.phase !== snap.phase || previous.stepIndex !== snap.stepIndex || previous.canaryWeight !== snap.canaryWeight || previous.stableHash !== snap.stableHash) {
      snapshots.push(snap);
    }
    const state = event.state;
    live.update(state.rollout, () =>
      options.headless
        ? summaryLine(state.rollout, new Date())
        : renderRollout({ rollout: state.rollout, replicaSets: state.replicaSets, analysisRuns: state.analysisRuns, now: new Date(), width: options.out.columns || 100, colour: Boolean(options.out.isTTY) }),
    );
  });

  let outcome = "timed out";
  let endedAt = Date.now();
  try {
    outcome = await waitFor("the rollout to finish", async () => {
      const s = latest?.rollout.status;
      if (!s || s.currentPodHash === v1) return undefined;
      // Aborted counts once traffic is back on stable (the router reports 0% on the canary).
      if (s.phase === "Aborted" && (scenario.strategy === "blueGreen" || (s.canary?.weights?.canary ?? 0) === 0)) return "Aborted";
      if (s.phase === "Healthy" && s.stableRS !== v1) return "Healthy";
      return undefined;
    }, options.timeoutMs);
    endedAt = Date.now();
    // Keep the clients going a little: after an abort they must see no more errors from the canary.
    await sleep(4000);
  } catch {
    endedAt = Date.now();
  } finally {
    watcher.stop();
    live.stop();
  }
  const stopAt = Date.now();
  for (const t of traffic) await t.stop();
  for (const g of gateways) await g.stop();

  const rollout = latest?.rollout;
  const segments = rollout ? segmentsOf(rollout, snapshots, v1, endedAt) : [];
  const main = traffic[0];
  const rows: SummaryRow[] = segments.map((segment) => ({
    ...segment,
    stats: clientStats(traffic, segment.from, segment.to),
    verdicts: verdictsFor(segment, latest?.runs ?? []),
  }));
  const checks: ScenarioResult["checks"] = [];
  if (main && scenario.expect === "Aborted" && outcome === "Aborted") {
    const before = main.stats(startedAt, endedAt);
    const after = main.stats(endedAt + 1000, stopAt);
    if (scenario.next.env.ERROR_RATE && Number(scenario.next.env.ERROR_RATE) > 0) {
      checks.push({ what: `clients saw errors while the canary had weight (${before.errors})`, ok: before.errors > 0 });
    }
    checks.push({ what: `clients saw no errors after the abort (${after.errors} of ${after.count})`, ok: after.errors === 0 && after.count > 0 });
  }
  if (main && scenario.expect === "Healthy" && outcome === "Healthy") {
    const all = main.stats(startedAt, stopAt);
    checks.push({ what: `clients saw no errors during the rollout (${all.errors} of ${all.count})`, ok: all.errors === 0 && all.count > 0 });
  }
  const ok = outcome === scenario.expect && checks.every((c) => c.ok);
  const why = rollout?.status?.message;
  const table = summaryTable(rows) + (why ? `\nfinal status: ${rollout?.status?.phase}: ${why}` : "");
  return { scenario, outcome, ok, table, checks, previewUrl };
}
