/**
 * Notifications end to end: the sandbox API server, a real controller, and a local HTTP server as the
 * receivers. The webhook's URL and token come from a Secret and must never reach the controller's logs; a
 * receiver that fails twice is retried; one that never answers must not slow the rollout it reports on.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { RunningController } from "../../src/controller/controller.ts";
import { createLogger } from "../../src/kube/logger.ts";
import { canaryRollout, startEnv, type Env } from "../helpers/controller-env.ts";
import { assertRequestsAllowedByRbac } from "../helpers/rbac.ts";
import { listenLocal, closeLocal } from "../helpers/local-http.ts";

type Received = { path: string; body: Record<string, unknown>; authorization: string | undefined };

const TOKEN = "Bearer s3cret-notification-token";
// The path is part of the secret: a Slack or webhook URL is itself a credential.
const HOOK_PATH = "/hook-7f3a9c-secret-path";
let env: Env;
let server: Server;
let controller: RunningController;
let hookUrl = "";
const received: Received[] = [];
let flakyAnswers: number[] = [];
const logLines: string[] = [];

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    req.on("end", () => resolve(text));
  });

before(async () => {
  server = createServer((req, res) => {
    // Accepts and never answers: the controller's timeout is all that ends it.
    if (req.url === "/hang") return;
    void readBody(req).then((text) => {
      received.push({ path: req.url ?? "", body: JSON.parse(text) as Record<string, unknown>, authorization: req.headers.authorization });
      const status = req.url === "/flaky" ? (flakyAnswers.shift() ?? 200) : 200;
      res.writeHead(status).end();
    });
  });
  const base = await listenLocal(server);
  hookUrl = `${base}${HOOK_PATH}`;
  env = await startEnv();
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  await env.kube.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "hooks", namespace: "default" }, data: { url: b64(hookUrl), token: b64(TOKEN), flaky: b64(`${base}/flaky`), hang: b64(`${base}/hang`) } } as never);
  const fromSecret = (key: string) => ({ valueFrom: { secretKeyRef: { name: "hooks", key } } });
  const receivers = [
    { name: "team", webhook: { url: fromSecret("url"), headers: { Authorization: fromSecret("token") } } },
    { name: "flaky", webhook: { url: fromSecret("flaky"), headers: { Authorization: fromSecret("token") } } },
    { name: "dead", webhook: { url: fromSecret("hang"), headers: { Authorization: fromSecret("token") } } },
  ];
  await env.kube.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sluice-notifications", namespace: "default" }, data: { receivers: JSON.stringify(receivers) } } as never);
  // The controller's own logger (with its redaction), at debug so every delivery line is there to inspect.
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString("utf8")), done()) });
  controller = await env.startController({ log: createLogger("debug", "json", sink), notifications: { policy: { timeoutMs: 1_000, minDelayMs: 50, maxDelayMs: 200 } } });
});
after(async () => {
  await env?.stop();
  await closeLocal(server);
});

const subscribed = (name: string, value: string, steps: unknown[]) => {
  const r = canaryRollout(name, steps);
  r.metadata.annotations = { "notifications.sluice.dev/subscribe": value };
  return r;
};
const bodiesFor = (name: string) => received.filter((r) => (r.body.rollout as { name?: string } | undefined)?.name === name);
const eventsFor = (name: string) => bodiesFor(name).map((r) => String(r.body.event));
const waitForEvents = (name: string, events: string[], timeoutMs = 20_000) =>
  env.waitFor(`${name} notified of ${events.join(", ")} (got ${eventsFor(name).join(", ")}; ${logLines.filter((l) => l.includes("notif")).slice(-3).join("")})`, async () => (events.every((e) => eventsFor(name).includes(e)) ? true : undefined), timeoutMs);

test("a canary's webhook receiver (URL and token from a Secret) gets rollout-started, step-completed, paused, promoted and completed", { timeout: 60_000 }, async () => {
  await env.kube.create(subscribed("web", "team", [{ setWeight: 50 }, { pause: {} }]));
  const first = await env.waitForPhase("web", "Healthy");
  await env.setImage("web", "acme/web:2");
  await env.waitForPhase("web", "Paused");
  await waitForEvents("web", ["rollout-started", "step-completed", "paused"]);
  await env.promote("web");
  await env.waitForPhase("web", "Healthy", 20_000, (s) => s.stableRS !== first.stableRS);
  await waitForEvents("web", ["promoted"]);
  // The first deployment notified `completed` too: wait for the new revision's, delivered on its own time.
  const revisionOf = (event: string) => bodiesFor("web").find((r) => r.body.event === event)?.body.revision;
  await env.waitFor("completed of the paused revision", async () => (bodiesFor("web").some((r) => r.body.event === "completed" && r.body.revision === revisionOf("paused")) ? true : undefined), 20_000);

  const all = bodiesFor("web");
  assert.ok(all.every((r) => r.path === HOOK_PATH && r.authorization === TOKEN), "sent to the Secret's URL with the Secret's token");
  const paused = all.find((r) => r.body.event === "paused");
  assert.ok(paused);
  assert.deepEqual(Object.keys(paused.body).sort(), ["event", "image", "message", "revision", "rollout", "step", "weights"]);
  assert.equal(paused.body.image, "acme/web:2");
  // The first message: the new version read back serving, not the revision's start (before any request reached it).
  const started = all.find((r) => r.body.event === "rollout-started");
  assert.match(String(started?.body.message), /^acme\/web:2 now serves real traffic: about 50% of requests go to it \(its share of the pods: no traffic router\) \(revision \w+\)\.$/);
  assert.deepEqual(paused.body.rollout, { namespace: "default", name: "web" });
  assert.equal(paused.body.step, 2);
  assert.deepEqual(paused.body.weights, { canary: 50, stable: 50 });
  assert.match(String(paused.body.message), /paused at/);
  assert.equal(typeof paused.body.revision, "string");
  // The last: the new revision's completed (the first deployment's came before it).
  const completed = all.findLast((r) => r.body.event === "completed");
  assert.equal(completed?.body.revision, paused.body.revision, "completed names the revision that was paused");
});

test("an aborted rollout notifies `aborted`; NAME:event narrows what a receiver gets", { timeout: 60_000 }, async () => {
  await env.kube.create(subscribed("shop", "team:aborted", [{ setWeight: 50 }, { pause: {} }]));
  await env.waitForPhase("shop", "Healthy");
  await env.setImage("shop", "acme/shop:2");
  await env.waitForPhase("shop", "Paused");
  await env.patchRolloutStatus("shop", (s) => ({ ...s, abort: true }));
  await env.waitForPhase("shop", "Aborted");
  await waitForEvents("shop", ["aborted"]);
  // Give any other (unwanted) notification the time to arrive before checking there was none.
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(eventsFor("shop"), ["aborted"]);
});

test("a failed analysis notifies analysis-failed with the metric, value and condition (from the run's status, not its message), then aborted", { timeout: 60_000 }, async () => {
  await env.kube.create({ apiVersion: API_GROUP_VERSION, kind: "AnalysisTemplate", metadata: { name: "smoke", namespace: "default" }, spec: { metrics: [{ name: "smoke", successCondition: "result == 'pass'", provider: { web: { url: "http://127.0.0.1:1/" } } }] } });
  await env.kube.create(subscribed("pay", "team:analysis-failed|aborted", [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "smoke" }] } }]));
  await env.waitForPhase("pay", "Healthy");
  await env.setImage("pay", "acme/pay:2");
  // The test plays the AnalysisRun (the environment's controller runs none): it fails as the runner reports it.
  const run = await env.waitFor("the step's AnalysisRun", async () => (await env.kube.list(API_GROUP_VERSION, "AnalysisRun", "default")).find((r) => r.metadata.name.startsWith("pay-")));
  const why = `"fail" does not meet success condition (result == 'pass')`;
  const measurement = { phase: "Failed", value: `"fail"`, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), message: why };
  const metricResults = [{ name: "smoke", phase: "Failed", measurements: [measurement], count: 1, successful: 0, failed: 1, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 0, message: `1 failed measurement(s), limit 0; last: ${why}` }];
  await env.kube.replaceStatus({ ...run, status: { phase: "Failed", message: `metric "smoke" failed: 1 failed measurement(s), limit 0; last: ${why}`, metricResults } }, "analysisruns");
  await waitForEvents("pay", ["analysis-failed", "aborted"]);
  const failed = bodiesFor("pay").find((r) => r.body.event === "analysis-failed");
  assert.deepEqual(failed?.body.metrics, [{ metric: "smoke", value: `"fail"`, condition: "result == 'pass'" }]);
  assert.match(String(failed?.body.message), /^analysis pay-\w+-\d+ failed: metric "smoke" failed/);
  assert.deepEqual(eventsFor("pay").sort(), ["aborted", "analysis-failed"]);
});

test("a receiver answering 500 twice, then 200, is retried and the notification delivered", { timeout: 60_000 }, async () => {
  flakyAnswers = [500, 500];
  const sentBefore = await counter("sluice_notifications_sent_total", { receiver_type: "webhook", event: "rollout-started" });
  await env.kube.create(subscribed("api", "flaky:rollout-started", [{ setWeight: 50 }, { pause: {} }]));
  await env.waitForPhase("api", "Healthy");
  await env.setImage("api", "acme/api:2");
  await waitForEvents("api", ["rollout-started"]);
  await env.waitFor("the sent counter", async () => ((await counter("sluice_notifications_sent_total", { receiver_type: "webhook", event: "rollout-started" })) > sentBefore ? true : undefined));
  const attempts = bodiesFor("api").filter((r) => r.path === "/flaky");
  assert.equal(attempts.length, 3, "two 500s, then the 200");
  assert.deepEqual(flakyAnswers, []);
});

test("a receiver that never answers does not slow the rollout, and its failures show in the metrics", { timeout: 90_000 }, async () => {
  const steps = [{ setWeight: 50 }, { pause: { duration: "1s" } }];
  const timeRevision = async (name: string) => {
    const first = await env.waitForPhase(name, "Healthy");
    const start = Date.now();
    await env.setImage(name, `acme/${name}:2`);
    await env.waitForPhase(name, "Healthy", 30_000, (s) => s.stableRS !== first.stableRS);
    return Date.now() - start;
  };
  await env.kube.create(canaryRollout("plain", steps));
  const without = await timeRevision("plain");
  await env.kube.create(subscribed("slowed", "dead", steps));
  const withDead = await timeRevision("slowed");
  assert.ok(withDead <= without * 1.5 + 1_500, `with a dead receiver ${withDead} ms, without ${without} ms`);
  await env.waitFor("timeouts counted", async () => ((await counter("sluice_notifications_failed_total", { receiver_type: "webhook", reason: "timeout" })) > 0 ? true : undefined), 30_000);
});

test("the receivers' URL and token never appear in the controller's logs; its requests are allowed by deploy/rbac/cluster-role.yaml", async () => {
  const text = logLines.join("");
  assert.match(text, /"receiver":"dead"/, "deliveries are logged (by receiver name)");
  assert.match(text, /notification not delivered/);
  for (const secret of [HOOK_PATH, hookUrl, TOKEN, "s3cret", "/hang", "/flaky"]) assert.ok(!text.includes(secret), `the logs contain ${secret}`);
  await assertRequestsAllowedByRbac(controller.metrics);
});

/** A counter's value summed over the series matching `labels`. */
async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = controller.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const values = (await metric.get()).values;
  return values.filter((v) => Object.entries(labels).every(([k, l]) => String((v.labels as Record<string, unknown>)[k]) === l)).reduce((n, v) => n + v.value, 0);
}
