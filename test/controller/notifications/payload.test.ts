/**
 * What receivers get: rollout-started says which change now serves real traffic (image, commit, author, share),
 * and completed and aborted carry the release report, in the webhook's JSON and in Slack's text.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { serializeServed } from "../../../src/analysis/counts/served.ts";
import type { RolloutStatus } from "../../../src/api/rollout.ts";
import { typedRollout } from "../../../src/cli/rollout-access.ts";
import { createMetrics } from "../../../src/controller/metrics.ts";
import { notificationsOf } from "../../../src/controller/notifications/events.ts";
import { Notifier } from "../../../src/controller/notifications/notifier.ts";
import { slackText, webhookBody } from "../../../src/controller/notifications/payload.ts";
import { commitInTag, imageTag, versionOf } from "../../../src/controller/notifications/version.ts";
import type { KubeObject } from "../../../src/kube/kube-client.ts";
import { canaryRollout, rolloutManifest } from "../../helpers/controller-env.ts";
import { listenLocal, closeLocal } from "../../helpers/local-http.ts";

const serving: RolloutStatus = { phase: "Progressing", currentPodHash: "6d5f8c7b9", stableRS: "5c4b", currentStepIndex: 1, canary: { weights: { canary: 5, stable: 95 } }, servingSince: "2026-11-23T10:00:00Z" };
const before_: RolloutStatus = { ...serving, servingSince: undefined, canary: { weights: { canary: 0, stable: 100 } } };

function routedRollout(image: string, annotations: { rollout?: Record<string, string>; template?: Record<string, string> } = {}) {
  const raw = rolloutManifest("web", { canary: { canaryService: "web-canary", stableService: "web-stable", trafficRouting: { gatewayAPI: { httpRoute: "web" } }, steps: [{ setWeight: 5 }, { pause: {} }] } }, image);
  if (annotations.rollout) raw.metadata.annotations = annotations.rollout;
  const spec = raw.spec as { template: { metadata: { annotations?: Record<string, string> } } };
  if (annotations.template) spec.template.metadata.annotations = annotations.template;
  return typedRollout(raw);
}

test("rollout-started is the new version read back serving: image, commit and author from the annotations, the share, the revision; in the JSON too", () => {
  const rollout = routedRollout("acme/web:1.4.2", { rollout: { "sluice.dev/commit": "3f2a9c1d0e5b7a8c9d0e1f2a3b4c5d6e7f8a9b0c", "sluice.dev/author": "Ana Lima" } });
  const [started, ...rest] = notificationsOf(rollout, [], before_, serving);
  assert.equal(rest.length, 0);
  assert.equal(started?.event, "rollout-started");
  assert.equal(started?.message, "acme/web:1.4.2 (commit 3f2a9c1 by Ana Lima) now serves real traffic: 5% of requests go to it (revision 6d5f8c7b9).");
  const body = webhookBody(started ?? assert.fail());
  assert.equal(body.image, "acme/web:1.4.2");
  assert.equal(body.commit, "3f2a9c1d0e5b7a8c9d0e1f2a3b4c5d6e7f8a9b0c", "the full commit in the JSON");
  assert.equal(body.author, "Ana Lima");
  // Once: the next reconcile (servingSince already stored) says nothing more.
  assert.deepEqual(notificationsOf(rollout, [], serving, serving), []);
  // The pod template's annotations belong to the revision and win over the Rollout's.
  const both = routedRollout("acme/web:1.4.2", { rollout: { "sluice.dev/commit": "stale000", "sluice.dev/author": "CI" }, template: { "sluice.dev/commit": "a1b2c3d" } });
  assert.deepEqual(versionOf(both), { image: "acme/web:1.4.2", commit: "a1b2c3d", author: "CI" });
});

test("rollout-started with only an image: a tag that is a git commit gives the commit, any other tag is shown as it is", () => {
  const sha = notificationsOf(routedRollout("registry.example:5000/acme/web:3f2a9c1"), [], before_, { ...serving, retryCount: 2 })[0];
  assert.equal(sha?.message, "registry.example:5000/acme/web:3f2a9c1 (commit 3f2a9c1) now serves real traffic: 5% of requests go to it (revision 6d5f8c7b9, retry 2).");
  assert.equal(sha?.commit, "3f2a9c1");
  assert.equal(sha?.author, undefined);
  const tag = notificationsOf(routedRollout("acme/web:1.4.2"), [], before_, serving)[0];
  assert.equal(tag?.message, "acme/web:1.4.2 now serves real traffic: 5% of requests go to it (revision 6d5f8c7b9).");
  assert.deepEqual(Object.keys(webhookBody(tag ?? assert.fail())).sort(), ["event", "image", "message", "revision", "rollout", "step", "weights"]);
  assert.equal(imageTag("acme/web@sha256:0123"), undefined);
  assert.equal(imageTag("localhost:5000/web:v2@sha256:0123"), "v2");
  for (const [t, commit] of [["1.4.2-5-g3f2a9c1", "3f2a9c1"], ["sha-3f2a9c1", "3f2a9c1"], ["v1.4.2-deadbeef", "deadbeef"], ["20240101", undefined], ["1.4.2", undefined], ["latest", undefined]] as const) {
    assert.equal(commitInTag(t), commit, t);
  }
  // Without a router the share is the pods' (an estimate); blue-green's is all of it, behind the active Service.
  const pods = typedRollout(canaryRollout("web", [{ setWeight: 50 }]));
  assert.match(notificationsOf(pods, [], before_, { ...serving, canary: { weights: { canary: 50, stable: 50 } } })[0]?.message ?? "", /now serves real traffic: about 50% of requests go to it \(its share of the pods: no traffic router\)/);
  const blueGreen = typedRollout(rolloutManifest("web", { blueGreen: { activeService: "web" } }));
  assert.match(notificationsOf(blueGreen, [], { ...before_, canary: undefined }, { ...serving, canary: undefined })[0]?.message ?? "", /now serves real traffic: all requests go to it through Service web \(/);
});

// The receiver for the report tests, and the runs the fake API server lists.
let server: Server;
let base = "";
const bodies: Record<string, unknown>[] = [];
before(async () => {
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString("utf8")));
    req.on("end", () => {
      bodies.push({ path: req.url, ...(JSON.parse(text) as Record<string, unknown>) });
      res.end();
    });
  });
  base = await listenLocal(server);
});
after(async () => {
  await closeLocal(server);
});

const ERRORS = { errors: 'sum(x_total{h="{{podTemplateHash}}", code=~"5.."})', requests: 'sum(x_total{h="{{podTemplateHash}}"})' };
const backgroundRun: KubeObject = {
  apiVersion: "sluice.dev/v1alpha1",
  kind: "AnalysisRun",
  metadata: { name: "web-6d5f8c7b9-bg", namespace: "default", labels: { "sluice.dev/rollout": "web" } },
  spec: { metrics: [{ name: "errors", interval: "30s", provider: { prometheus: {} }, compare: { requests: ERRORS } }] },
  status: {
    phase: "Successful",
    metricResults: [{ name: "errors", phase: "Successful", measurements: [{ phase: "Successful", value: "e=0.4", metadata: { served: serializeServed({ canary: { requests: 1200, errors: 3 }, stable: { requests: 10800, errors: 11 }, looks: 6 }) } }] }],
  },
};

async function deliver(kind: "webhook" | "slack", status: RolloutStatus, previous: RolloutStatus) {
  const raw = rolloutManifest("web", { canary: { canaryService: "web-canary", stableService: "web-stable", trafficRouting: { gatewayAPI: { httpRoute: "web" } }, steps: [{ setWeight: 5 }] } }, "acme/web:1.4.2");
  raw.metadata.annotations = { "notifications.sluice.dev/subscribe": "team", "sluice.dev/author": "Ana Lima" };
  const rollout = typedRollout(raw);
  const receivers = kind === "webhook" ? `- {name: team, webhook: {url: "${base}/hook"}}` : `- {name: team, slack: {url: "${base}/slack"}}`;
  const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sluice-notifications", namespace: "default" }, data: { receivers } };
  const lists: string[] = [];
  const kube = { get: async () => cm, list: async (_v: string, k: string, ns: string, selector?: string) => (lists.push(`${k} ${ns} ${selector ?? ""}`), [backgroundRun]) };
  const notifier = new Notifier({ kube, log: pino({ level: "silent" }), metrics: createMetrics().notifications });
  const notifications = notificationsOf(rollout, [], previous, status);
  bodies.length = 0;
  notifier.notify(rollout, notifications);
  for (let i = 0; i < 100 && bodies.length < notifications.length; i++) await new Promise((r) => setTimeout(r, 20));
  await notifier.close();
  return { notifications, lists, bodies: [...bodies] };
}

test("completed and aborted carry the release report, read from the listed AnalysisRuns when delivered: JSON with figures, sources and a summary", async () => {
  const healthy: RolloutStatus = { ...serving, phase: "Healthy", stableRS: "6d5f8c7b9", currentStepIndex: 1, canary: { weights: { canary: 0, stable: 100 } } };
  const { lists, bodies: [completed] } = await deliver("webhook", healthy, serving);
  assert.deepEqual(lists, ["AnalysisRun default sluice.dev/rollout=web"]);
  assert.equal(completed?.event, "completed");
  assert.equal(completed?.author, "Ana Lima");
  const report = completed?.report as Record<string, unknown>;
  assert.deepEqual(report.canary, {
    requests: { value: 1200 },
    errors: { value: 3 },
    errorRate: { value: 0.0025 },
    latency: {
      p50: { notMeasured: "no analysis of this revision had a request-judge latency metric (compare.requests.latency)" },
      p99: { notMeasured: "no analysis of this revision had a request-judge latency metric (compare.requests.latency)" },
      "p99.9": { notMeasured: "no analysis of this revision had a request-judge latency metric (compare.requests.latency)" },
    },
  });
  assert.deepEqual((report.stable as { requests: unknown }).requests, { value: 10800 });
  assert.deepEqual(report.sources, [{ run: "web-6d5f8c7b9-bg", metric: "errors", measures: "errors", looks: 6 }]);
  assert.equal(report.final, true);
  assert.equal(report.summary, "the new version served 1,200 requests; error rate 0.25% (stable 0.1%); p99 not measured");

  const { bodies: [aborted] } = await deliver("slack", { ...serving, phase: "Aborted", message: "aborted by user" }, serving);
  assert.equal(
    aborted?.text,
    [
      "Rollout default/web: aborted — aborted by user",
      "revision: 6d5f8c7b9",
      "version: acme/web:1.4.2 (by Ana Lima)",
      "step: 2",
      "weights: canary 5%, stable 95%",
      "Release report, revision 6d5f8c7b9, from web-6d5f8c7b9-bg (errors, 6 looks)",
      "requests: new 1,200 · stable 10,800",
      "error rate: new 0.25% (3 failed) · stable 0.1% (11 failed)",
      "p50: new not measured · stable not measured",
      "p99: new not measured · stable not measured",
      "p99.9: new not measured · stable not measured",
      "not measured: latency: no analysis of this revision had a request-judge latency metric (compare.requests.latency)",
    ].join("\n"),
  );
});

test("a first deployment's completed has no report (no new version was compared); other events never read the runs", async () => {
  const first: RolloutStatus = { phase: "Healthy", currentPodHash: "6d5f8c7b9", stableRS: "6d5f8c7b9" };
  const { notifications, lists, bodies: [completed] } = await deliver("webhook", first, { phase: "Progressing" });
  assert.deepEqual(notifications.map((n) => n.event), ["completed"]);
  assert.equal(completed?.report, undefined);
  assert.deepEqual(lists, []);
  assert.equal(webhookBody({ ...(notifications[0] ?? assert.fail()) }).report, undefined);
  assert.equal(slackText(notifications[0] ?? assert.fail()).includes("Release report"), false);
});
