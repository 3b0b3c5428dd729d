/**
 * deploy/grafana/sluice.json against a real controller. The dashboard is valid Grafana (every panel has a
 * datasource, type and place, every query an expr and refId, every $variable exists), and every sluice_
 * metric it plots is served on /metrics by a controller that has just taken a Rollout through a canary with
 * a web analysis (no Prometheus needed for that), a notification delivered and one refused: each metric with a
 * sample, the per-Rollout ones with a series for that Rollout. With the Rollout deleted, none of its series
 * is left. Where Prometheus is installed, it scrapes the controller and runs every query of the dashboard:
 * each must evaluate, and each per-Rollout query must find the Rollout.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { RunningController } from "../../src/controller/controller.ts";
import { prometheusInstalled, startPrometheus, type RunningPrometheus } from "../../src/sandbox/prometheus.ts";
import { canaryRollout, startEnv, type Env } from "../helpers/controller-env.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";
import { listenLocal, closeLocal } from "../helpers/local-http.ts";

type Target = { expr?: unknown; refId?: unknown; datasource?: unknown };
type Panel = { id?: unknown; type?: unknown; title?: unknown; datasource?: unknown; gridPos?: { x?: unknown; y?: unknown; w?: unknown; h?: unknown }; targets?: Target[]; panels?: Panel[] };
type Variable = { name: string; type: string; query?: unknown; definition?: unknown; datasource?: unknown };
type Dashboard = { uid?: unknown; title?: unknown; schemaVersion?: unknown; panels: Panel[]; templating: { list: Variable[] } };

const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, "deploy/grafana/sluice.json"), "utf8")) as Dashboard;
/** Rows only group panels; everything else queries. */
const queryPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => (p.type === "row" ? queryPanels(p.panels ?? []) : [p]));
const panels = queryPanels(dashboard.panels);
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => String(t.expr)));
const variableQueries = dashboard.templating.list.filter((v) => v.type === "query").map((v) => String(v.definition));
const METRIC_NAME = /\bsluice_[a-z0-9_]+/g;
const plotted = [...new Set([...exprs, ...variableQueries].flatMap((e) => e.match(METRIC_NAME) ?? []))].sort();

const ROLLOUT = "checkout";
const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"];

type Sample = { name: string; labels: Record<string, string> };
type Exposition = { types: Map<string, string>; samples: Sample[] };

/** The Prometheus text format, as far as this test reads it: TYPE lines and each sample's name and labels. */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) types.set(type[1], type[2]);
    if (line === "" || line.startsWith("#")) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? "";
    const labels: Record<string, string> = {};
    const open = line.indexOf("{");
    if (open === name.length) for (const m of line.slice(open, line.lastIndexOf("}")).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] ?? ""] = m[2] ?? "";
    samples.push({ name, labels });
  }
  return { types, samples };
}

/** The family a plotted name belongs to: itself, or the histogram or summary whose _bucket, _sum or _count it is. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
  const base = suffix ? name.slice(0, -suffix.length) : undefined;
  return base && (types.get(base) === "histogram" || types.get(base) === "summary") ? base : undefined;
}

function gridOf(p: Panel): { x: number; y: number; w: number; h: number } {
  const { x, y, w, h } = p.gridPos ?? {};
  assert.ok(Number.isInteger(x) && Number.isInteger(y) && Number.isInteger(w) && Number.isInteger(h), `panel ${String(p.title)} has a gridPos`);
  return { x: Number(x), y: Number(y), w: Number(w), h: Number(h) };
}

test("the dashboard is valid Grafana: datasource, type and grid place of every panel, expr and refId of every query, every $variable defined", () => {
  assert.equal(typeof dashboard.uid, "string");
  assert.equal(typeof dashboard.title, "string");
  assert.ok(typeof dashboard.schemaVersion === "number" && dashboard.schemaVersion >= 36, "Grafana 10+ schema");
  const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  const datasource = variables.get("datasource");
  assert.deepEqual({ type: datasource?.type, query: datasource?.query }, { type: "datasource", query: "prometheus" });
  for (const name of ["namespace", "rollout"]) {
    const v = variables.get(name);
    assert.equal(v?.type, "query", `variable ${name}`);
    assert.match(String(v?.definition), /^label_values\(sluice_[a-z_]+(\{[^}]*\})?, [a-z]+\)$/, `variable ${name}`);
    assert.deepEqual(v?.datasource, { type: "prometheus", uid: "${datasource}" });
  }
  assert.ok(panels.length >= 15, `${panels.length} panels`);
  const ids = new Set<unknown>();
  const cells = new Set<string>();
  for (const p of new Set([...dashboard.panels, ...panels])) {
    assert.ok(typeof p.type === "string" && p.type !== "", `panel ${String(p.title)} has a type`);
    const { x, y, w, h } = gridOf(p);
    assert.ok(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, `panel ${String(p.title)} fits the 24 columns`);
    if (!dashboard.panels.includes(p)) continue; // inside a collapsed row: placed when the row opens
    assert.ok(!ids.has(p.id), `panel id ${String(p.id)} is unique`);
    ids.add(p.id);
    for (let i = x; i < x + w; i++) {
      for (let j = y; j < y + h; j++) {
        assert.ok(!cells.has(`${i},${j}`), `panel ${String(p.title)} overlaps another at ${i},${j}`);
        cells.add(`${i},${j}`);
      }
    }
  }
  for (const p of panels) {
    assert.deepEqual(p.datasource, { type: "prometheus", uid: "${datasource}" }, `panel ${String(p.title)} queries the chosen Prometheus`);
    assert.ok((p.targets ?? []).length > 0, `panel ${String(p.title)} has queries`);
    const refIds = (p.targets ?? []).map((t) => t.refId);
    assert.equal(new Set(refIds).size, refIds.length, `panel ${String(p.title)}: refIds are unique`);
    for (const t of p.targets ?? []) {
      assert.ok(typeof t.refId === "string" && t.refId !== "", `panel ${String(p.title)}: a query has a refId`);
      assert.ok(typeof t.expr === "string" && /\bsluice_/.test(t.expr), `panel ${String(p.title)} ${String(t.refId)}: expr plots a sluice_ metric`);
    }
  }
  // $x, ${x} and [[x]] name dashboard variables; $__x are Grafana's own.
  const text = JSON.stringify(dashboard);
  const referenced = new Set([...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)|\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]/g)].map((m) => m[1] ?? m[2] ?? "").filter((n) => !n.startsWith("__")));
  for (const name of referenced) assert.ok(variables.has(name), `$${name} is a template variable`);
  assert.ok(referenced.has("namespace") && referenced.has("rollout") && referenced.has("datasource"));
});

// --- A real controller, one Rollout taken through a canary with an analysis.

let env: Env;
let controller: RunningController;
let hooks: Server;
let prometheus: RunningPrometheus | undefined;
let hookCalls = 0;

const scrape = async (): Promise<string> => (await fetch(`http://${controller.addresses.metrics ?? ""}/metrics`)).text();

/** Every $variable as a single choice would make it (the Rollout of this test), Grafana's own as Grafana fills them in. */
const concrete = (expr: string) =>
  expr.replaceAll("$namespace", "default").replaceAll("$rollout", ROLLOUT).replaceAll("$__rate_interval", "1m").replaceAll("$__interval", "15s").replaceAll("$__range", "1h");

describe("a controller that ran a canary with an analysis", () => {
  before(async () => {
    // The analysis's web metric answers a number; /ok takes notifications, /refuse turns them down (HTTP 403, not retried).
    hooks = createServer((req, res) => {
      if (req.url?.startsWith("/score")) return void res.end(JSON.stringify({ score: 0.97 }));
      hookCalls++;
      req.resume();
      req.on("end", () => res.writeHead(req.url === "/ok" ? 200 : 403).end());
    });
    const base = await listenLocal(hooks);
    env = await startEnv();
    await env.kube.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sluice-notifications", namespace: "default" }, data: { receivers: JSON.stringify([{ name: "ok", webhook: { url: `${base}/ok` } }, { name: "refuse", webhook: { url: `${base}/refuse` } }]) } } as never);
    await env.kube.create({
      apiVersion: API_GROUP_VERSION,
      kind: "AnalysisTemplate",
      metadata: { name: "score", namespace: "default" },
      spec: { metrics: [{ name: "score", interval: "1s", count: 4, successCondition: "result >= 0.9", provider: { web: { url: `${base}/score`, jsonPath: "{$.score}", timeoutSeconds: 2 } } }] },
    });
    // Nothing listens on port 1: the web metric must not need Prometheus.
    controller = await env.startController({ analysis: { prometheusAddress: "http://127.0.0.1:1" }, metricsAddr: "127.0.0.1:0", notifications: { policy: { timeoutMs: 1_000, retries: 1, minDelayMs: 50, maxDelayMs: 200 } } });
    if (prometheusInstalled()) {
      prometheus = await startPrometheus({ scrapeInterval: "1s", targets: [{ address: controller.addresses.metrics ?? "" }] });
      // Its first scrape comes some seconds after it is ready (target discovery): the Rollout starts once Prometheus watches.
      await env.waitFor("Prometheus to scrape the controller", async () => {
        const body = (await (await fetch(`${prometheus?.url ?? ""}/api/v1/query?query=sluice_leader`)).json()) as { data?: { result?: unknown[] } };
        return body.data?.result?.length ? true : undefined;
      }, 30_000);
    }
  });
  after(async () => {
    await prometheus?.stop();
    await env?.stop();
    await closeLocal(hooks);
  });

  test("every sluice_ metric the dashboard plots is served by a running controller, per Rollout for its Rollout; deleting the Rollout removes its series", { timeout: 120_000 }, async (t) => {
    const rollout = canaryRollout(ROLLOUT, [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "score" }] } }, { setWeight: 100 }]);
    rollout.metadata.annotations = { "notifications.sluice.dev/subscribe": "ok,refuse" };
    await env.kube.create(rollout);
    const first = await env.waitForPhase(ROLLOUT, "Healthy");
    await env.setImage(ROLLOUT, `acme/${ROLLOUT}:2`);
    await env.waitForPhase(ROLLOUT, "Healthy", 45_000, (s) => s.stableRS !== undefined && s.stableRS !== first.stableRS);

    // The run's result and the refused notification are written a moment after the Rollout is Healthy.
    const served = await env.waitFor("the analysis result and both notification outcomes on /metrics", async () => {
      const text = await scrape();
      const wanted = [`sluice_analysis_run_results_total{namespace="default",rollout="${ROLLOUT}",phase="Successful"} 1`, "sluice_notifications_sent_total{", "sluice_notifications_failed_total{"];
      return wanted.every((w) => text.includes(w)) ? parseExposition(text) : undefined;
    }, 20_000);
    assert.ok(hookCalls > 0);

    const missing: string[] = [];
    const perRollout: string[] = [];
    for (const name of plotted) {
      const family = familyOf(name, served.types);
      const samples = served.samples.filter((s) => s.name === name);
      if (family === undefined || samples.length === 0) {
        missing.push(`${name}${family ? " (declared, no sample)" : ""}`);
        continue;
      }
      if (samples.some((s) => "rollout" in s.labels)) {
        perRollout.push(name);
        if (!samples.some((s) => s.labels.rollout === ROLLOUT && s.labels.namespace === "default")) missing.push(`${name} (no series for default/${ROLLOUT})`);
      }
    }
    assert.deepEqual(missing, [], "plotted but not served");
    assert.deepEqual(perRollout, [
      "sluice_analysis_metric_value",
      "sluice_analysis_run_results_total",
      "sluice_rollout_canary_weight",
      "sluice_rollout_info",
      "sluice_rollout_phase",
      "sluice_rollout_step",
      "sluice_rollout_step_transitions_total",
      "sluice_rollout_steps",
    ]);
    const series = (name: string) => served.samples.filter((s) => s.name === name && s.labels.rollout === ROLLOUT);
    assert.deepEqual(series("sluice_rollout_phase").map((s) => s.labels.phase), ["Healthy", "Progressing", "Paused", "Degraded", "Aborted"]);
    assert.deepEqual(series("sluice_analysis_metric_value").map((s) => s.labels.metric), ["score"]);
    assert.deepEqual(series("sluice_rollout_info").map((s) => s.labels.strategy), ["canary"]);

    // The other way round: every metric the controller serves (but Node's process metrics) has a panel.
    const unplotted = [...served.types.keys()].filter((name) => name.startsWith("sluice_") && !name.startsWith("sluice_process_") && !plotted.includes(name) && !HISTOGRAM_SUFFIXES.some((s) => plotted.includes(`${name}${s}`)));
    assert.deepEqual(unplotted, [], "served but on no panel");

    // README's Metrics section names every one of them.
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const undocumented = [...served.types.keys()].filter((name) => name.startsWith("sluice_") && !name.startsWith("sluice_process_") && !readme.includes(`\`${name}\``));
    assert.deepEqual(undocumented, [], "served but not in README.md");

    if (!prometheus) t.diagnostic("prometheus is not installed: the dashboard's queries were not evaluated (apt-get install -y prometheus; .ci/setup does it)");
    if (prometheus) {
      // Prometheus scrapes what Grafana would read: each query must evaluate, each per-Rollout one find the Rollout.
      const query = async (expr: string) => {
        const response = await fetch(`${prometheus?.url ?? ""}/api/v1/query?query=${encodeURIComponent(expr)}`);
        return { status: response.status, body: (await response.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string> }[] } } };
      };
      // The result series were there at 0 while the run measured (4 looks 1 s apart, scraped every second), so
      // increase() sees the run's result: a series that first appeared at 1 would show 0 here for good.
      const increase = `sum by (phase) (increase(sluice_analysis_run_results_total{rollout="${ROLLOUT}",phase="Successful"}[1m])) > 0`;
      await env.waitFor("increase() in Prometheus to see the run's result", async () => ((await query(increase)).body.data?.result.length ? true : undefined), 15_000);
      const problems: string[] = [];
      for (const expr of exprs) {
        const { status, body } = await query(concrete(expr));
        if (status !== 200 || body.status !== "success") problems.push(`${expr}: ${body.error ?? status}`);
        else if (expr.includes("$rollout") && !body.data?.result.some((r) => r.metric.rollout === ROLLOUT)) problems.push(`${expr}: no series for ${ROLLOUT}`);
      }
      for (const definition of variableQueries) {
        // label_values(SELECTOR, LABEL) is Grafana's: the selector is PromQL and its series must carry the label.
        const [, selector = "", label = ""] = /^label_values\((.*), (\w+)\)$/.exec(definition) ?? [];
        const { body } = await query(concrete(selector));
        if (!body.data?.result.some((r) => r.metric[label] === (label === "rollout" ? ROLLOUT : "default"))) problems.push(`${definition}: no ${label}`);
      }
      assert.deepEqual(problems, [], "dashboard queries Prometheus cannot answer");
    }

    // Bounded: a deleted Rollout leaves none of its series behind.
    await env.kube.delete({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: ROLLOUT });
    const left = await env.waitFor(`no series of ${ROLLOUT} on /metrics`, async () => {
      const text = await scrape();
      return text.includes(`rollout="${ROLLOUT}"`) ? undefined : text;
    }, 15_000);
    // The controller itself still reports.
    assert.match(left, /^sluice_leader 1$/m);
  });
});
