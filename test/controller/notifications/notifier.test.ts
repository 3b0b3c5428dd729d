/** The delivery queue on its own: bounded (oldest dropped, counted), Slack's text, no notification without the annotation. */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { typedRollout } from "../../../src/cli/rollout-access.ts";
import { createMetrics } from "../../../src/controller/metrics.ts";
import type { Notification } from "../../../src/controller/notifications/events.ts";
import { Notifier } from "../../../src/controller/notifications/notifier.ts";
import { slackText } from "../../../src/controller/notifications/payload.ts";
import type { KubeObject } from "../../../src/kube/kube-client.ts";
import { canaryRollout } from "../../helpers/controller-env.ts";
import { listenLocal, closeLocal } from "../../helpers/local-http.ts";

let server: Server;
let base = "";
const bodies: unknown[] = [];
let badAttempts = 0;
before(async () => {
  server = createServer((req, res) => {
    if (req.url === "/hang") return;
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString("utf8")));
    req.on("end", () => {
      if (req.url === "/bad") {
        badAttempts++;
        res.writeHead(400).end();
        return;
      }
      bodies.push(JSON.parse(text));
      res.end();
    });
  });
  base = await listenLocal(server);
});
after(async () => {
  await closeLocal(server);
});

const notification: Notification = { event: "paused", rollout: { namespace: "default", name: "web" }, revision: "abc", step: 2, weights: { canary: 20, stable: 80 }, message: "paused at step 2/3" };
const configMap = (receivers: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sluice-notifications", namespace: "default" }, data: { receivers } });
const kubeWith = (cm: KubeObject, runs: KubeObject[] = []) => ({ get: async (ref: { kind: string }) => (ref.kind === "ConfigMap" ? cm : undefined), list: async () => runs });
const subscribedRollout = (value: string | undefined) => {
  const raw = canaryRollout("web", [{ setWeight: 20 }]);
  if (value !== undefined) raw.metadata.annotations = { "notifications.sluice.dev/subscribe": value };
  return typedRollout(raw);
};

test("a full queue drops its oldest notification and counts it; close() does not wait for a hung receiver", async () => {
  const metrics = createMetrics();
  const notifier = new Notifier({ kube: kubeWith(configMap(`- {name: dead, webhook: {url: "${base}/hang"}}`)), log: pino({ level: "silent" }), metrics: metrics.notifications, queueLimit: 2, workers: 1 });
  for (let i = 0; i < 5; i++) notifier.notify(subscribedRollout("dead"), [notification]);
  // One in flight, two queued, two dropped.
  assert.equal((await metrics.notifications.dropped.get()).values[0]?.value, 2);
  assert.equal((await metrics.notifications.queueDepth.get()).values[0]?.value, 2);
  const start = Date.now();
  await notifier.close();
  assert.ok(Date.now() - start < 1_000);
});

test("Slack gets {text} with a readable first line and the details; no annotation, no delivery", async () => {
  const metrics = createMetrics();
  const notifier = new Notifier({ kube: kubeWith(configMap(`- {name: ops, slack: {url: "${base}/slack"}}`)), log: pino({ level: "silent" }), metrics: metrics.notifications });
  notifier.notify(subscribedRollout(undefined), [notification]);
  notifier.notify(subscribedRollout("ops"), [notification]);
  for (let i = 0; i < 100 && bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await notifier.close();
  assert.deepEqual(bodies, [{ text: slackText(notification) }]);
  assert.equal(slackText(notification), "Rollout default/web: paused — paused at step 2/3\nrevision: abc\nstep: 2\nweights: canary 20%, stable 80%");
  assert.equal((await metrics.notifications.sent.get()).values.find((v) => v.labels.receiver_type === "slack")?.value, 1);
});

test("a subscribed receiver missing from the ConfigMap is a failure counted with reason config", async () => {
  const metrics = createMetrics();
  const lines: string[] = [];
  const log = pino({ level: "warn" }, { write: (l: string) => lines.push(l) });
  const notifier = new Notifier({ kube: kubeWith(configMap(`- {name: ops, slack: {url: "${base}/slack"}}`)), log, metrics: metrics.notifications });
  notifier.notify(subscribedRollout("nobody"), [notification]);
  for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await notifier.close();
  assert.equal((await metrics.notifications.failed.get()).values.find((v) => v.labels.reason === "config")?.value, 1);
  assert.match(lines.join(""), /no receiver named nobody in ConfigMap sluice-notifications of namespace default; define it or fix annotation notifications.sluice.dev\/subscribe/);
});

test("a 4xx is not retried: one attempt, counted as http_4xx", async () => {
  const metrics = createMetrics();
  const notifier = new Notifier({ kube: kubeWith(configMap(`- {name: hook, webhook: {url: "${base}/bad"}}`)), log: pino({ level: "silent" }), metrics: metrics.notifications, policy: { minDelayMs: 10, maxDelayMs: 10 } });
  notifier.notify(subscribedRollout("hook"), [notification]);
  const failed = async () => (await metrics.notifications.failed.get()).values.find((v) => v.labels.reason === "http_4xx")?.value;
  for (let i = 0; i < 100 && (await failed()) === undefined; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  await notifier.close();
  assert.equal(await failed(), 1);
  assert.equal(badAttempts, 1);
});
