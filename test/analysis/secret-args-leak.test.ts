/**
 * A value from a Secret never leaves the controller: a full canary whose analysis uses one Secret's values
 * through `valueFrom.secretKeyRef` (a label value that measures fine, a value Prometheus itself quotes back in
 * an error, a bare position that refuses it, a value with a newline inside) and as the bearer token, against the
 * sandbox API server and a real Prometheus. Then everything produced is scanned for the values and their base64:
 * every version of every object the API server stored (AnalysisRun and Rollout status, Events ...), the
 * controller's log at trace level, its /metrics, and what the CLI prints.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import type { Measurement } from "../../src/api/analysis-run.ts";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { RunningController } from "../../src/controller/controller.ts";
import { createLogger } from "../../src/kube/logger.ts";
import { prometheusInstalled, startPrometheus, type RunningPrometheus } from "../../src/sandbox/prometheus.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { runCliAsync } from "../helpers/run-cli.ts";

const skip = prometheusInstalled() ? false : "prometheus is not installed (apt-get install -y prometheus; .ci/setup does it)";

/** Distinctive parts: a leak of any of them (even cut short) is found. */
const part = () => randomBytes(12).toString("hex");
const [A, B, C, D] = [part(), part(), part(), part()];
// "-" makes the token refused outside quotes; the trailing newline is what `kubectl create secret --from-file` keeps.
const TOKEN = `tok-${A}-${B}`;
const MULTI = `line-${C}\nline-${D}`;
const NEEDLES: Record<string, string> = {
  "token part 1": A,
  "token part 2": B,
  "multi-line part 1": C,
  "multi-line part 2": D,
  "token base64": Buffer.from(TOKEN).toString("base64"),
  "token+newline base64": Buffer.from(`${TOKEN}\n`).toString("base64"),
  "multi-line base64": Buffer.from(`${MULTI}\n`).toString("base64"),
};

type RunStatus = { phase?: string; message?: string; metricResults?: Array<{ name: string; phase?: string; measurements?: Measurement[] }> };

describe("secret argument values never leak", { skip, timeout: 120_000 }, () => {
  let prometheus: RunningPrometheus;
  let env: Env;
  let controller: RunningController;
  let log = "";
  /** Every object version the API server stored, Secrets excepted (they hold the value by design). */
  const stored: string[] = [];

  before(async () => {
    prometheus = await startPrometheus({ scrapeInterval: "1s" });
    env = await startEnv();
    env.server.store.onEvent((storageKey, event) => {
      if (storageKey !== "secrets") stored.push(`${storageKey} ${event.type}: ${JSON.stringify(event.object)}`);
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString("utf8");
        done();
      },
    });
    controller = await env.startController({ analysis: { prometheusAddress: prometheus.url }, log: createLogger("trace", "json", sink), metricsAddr: "127.0.0.1:0" });
  });
  after(async () => {
    await env?.stop();
    await prometheus?.stop();
  });

  it("runs the analysis: the quoted use measures, the refusals and Prometheus' own error name the argument without the value", async () => {
    await env.kube.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "prom-creds", namespace: "default" },
      data: { token: Buffer.from(`${TOKEN}\n`).toString("base64"), multi: Buffer.from(`${MULTI}\n`).toString("base64") },
    });
    const ref = (key: string) => ({ secretKeyRef: { name: "prom-creds", key } });
    const metric = (name: string, query: string, more: Record<string, unknown> = {}) => ({
      name,
      interval: "1s",
      count: 1,
      consecutiveErrorLimit: 0,
      successCondition: { max: 0.01 },
      provider: { prometheus: { query, timeout: "5s", ...more } },
    });
    await env.kube.create({
      apiVersion: API_GROUP_VERSION,
      kind: "AnalysisTemplate",
      metadata: { name: "secret-checks", namespace: "default" },
      spec: {
        args: [{ name: "token", valueFrom: ref("token") }, { name: "multi", valueFrom: ref("multi") }],
        metrics: [
          // The series comes back labelled with the value: nothing may show the labels.
          metric("quoted", 'label_replace(vector(0.001), "tenant", "{{args.token}}", "", "")', { authentication: { bearerTokenSecretRef: { name: "prom-creds", key: "token" } } }),
          // Prometheus' execution error lists the duplicate series, labels and all.
          metric("echoed", 'vector(1) + on() (label_replace(vector(1), "tenant", "{{args.token}}", "", "") or label_replace(vector(2), "tenant", "other", "", ""))'),
          metric("bare", "vector({{args.token}})"),
          metric("newline", 'up{job="{{args.multi}}"}'),
        ],
      },
    });
    await env.kube.create({
      apiVersion: API_GROUP_VERSION,
      kind: "Rollout",
      metadata: { name: "api", namespace: "default" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "api" } },
        template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "app", image: "acme/api:1" }] } },
        strategy: { canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "secret-checks" }] } }] } },
      },
    });
    await env.waitFor("Healthy", async () => (statusOf(await env.rollout("api")).phase === "Healthy" ? true : undefined));
    await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "api" }, { spec: { template: { spec: { containers: [{ name: "app", image: "acme/api:2" }] } } } });
    const aborted = await env.waitFor("Aborted", async () => {
      const s = statusOf(await env.rollout("api"));
      return s.phase === "Aborted" ? s : undefined;
    }, 60_000);
    assert.match(aborted.message ?? "", /analysis api-\w+-\d+ failed/);

    const [run] = await env.kube.list(API_GROUP_VERSION, "AnalysisRun", "default");
    const status = (run?.status ?? {}) as RunStatus;
    const last = (name: string) => status.metricResults?.find((r) => r.name === name)?.measurements?.at(-1);
    const shown = JSON.stringify(status.metricResults, null, 1);
    // The happy path ran: the trimmed value (no trailing newline) filled the label value, the bearer token went along.
    assert.equal(last("quoted")?.phase, "Successful", shown);
    assert.equal(last("echoed")?.phase, "Error", shown);
    assert.match(last("echoed")?.message ?? "", /query rejected by Prometheus/, shown);
    assert.match(last("echoed")?.message ?? "", /tenant="\[secret arg token\]"/, shown);
    assert.match(last("bare")?.message ?? "", /^argument "token" \(from Secret default\/prom-creds key "token"\) outside quotes must be a number, a duration or a plain name/, shown);
    assert.match(last("newline")?.message ?? "", /^argument "multi" \(from Secret default\/prom-creds key "multi"\) inside "\.\.\." must not contain newlines or control characters/, shown);
  });

  it("no stored object, log line, metric or CLI output carries the values or their base64", async () => {
    const kubeconfig = ["--kubeconfig", env.server.kubeconfigPath, "-n", "default"];
    const cli = await Promise.all(
      [["get", "rollout", "api"], ["get", "rollout", "api", "-o", "yaml"], ["get", "rollouts"], ["status", "api", "--timeout", "1s"]].map(async (args) => {
        const out = await runCliAsync([...args, ...kubeconfig], { timeoutMs: 30_000 });
        return { what: `sluice ${args.join(" ")}`, text: `${out.stdout}\n${out.stderr}` };
      }),
    );
    const metrics = await (await fetch(`http://${controller.addresses.metrics ?? ""}/metrics`)).text();
    assert.match(metrics, /sluice_kube_api_requests_total/);
    assert.match(log, /"measurement"/, "the controller logged the measurements");
    assert.match(cli[0]?.text ?? "", /AnalysisRun api-/, "the CLI showed the AnalysisRun");

    const haystacks = [
      ...stored.map((text, i) => ({ what: `stored object #${i}`, text })),
      { what: "controller log", text: log },
      { what: "/metrics", text: metrics },
      ...cli,
    ];
    assert.ok(stored.some((s) => s.startsWith("events ")), "Events were recorded");
    const leaks: string[] = [];
    for (const { what, text } of haystacks) {
      for (const [needle, value] of Object.entries(NEEDLES)) {
        const at = text.indexOf(value);
        if (at >= 0) leaks.push(`${needle} in ${what}: ...${text.slice(Math.max(0, at - 120), at + value.length + 40)}...`);
      }
    }
    assert.deepEqual(leaks, []);
  });
});
