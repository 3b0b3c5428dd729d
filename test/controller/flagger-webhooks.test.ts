/**
 * A Flagger Canary with webhooks, imported by `sluice import` and applied as is, runs a real canary in the
 * sandbox API server: the pre-rollout hook is called once before any traffic shifts, the load-test (rollout)
 * hook and the rollback hook every interval, each with Flagger's payload; a hook answering 2xx lets the canary
 * through, and the rollback hook answering 2xx aborts the next revision, as Flagger rolls back. The post-rollout
 * hook becomes a notification receiver told of the release's completion and of the rollback.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { splitManifest } from "../../src/api/manifest-documents.ts";
import { importDocuments, joinDocuments } from "../../src/cli/import/import-documents.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { routerFor } from "../../src/routers/router-for.ts";
import { allThirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";

type Call = { path: string; at: number; body: { name?: string; namespace?: string; phase?: string; metadata?: Record<string, string>; event?: string; rollout?: { name: string } } };
let env: Env;
let server: Server;
const calls: Call[] = [];
let rollbackAnswer = 404;
before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const path = req.url ?? "";
      calls.push({ path, at: Date.now(), body: body ? (JSON.parse(body) as Call["body"]) : {} });
      // Flagger's loadtester answers text, not JSON: only the status code may matter.
      res.statusCode = path === "/rollback" ? rollbackAnswer : 200;
      res.end(path === "/rollback" ? "no" : "ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  env = await startEnv({ preload: [...allThirdPartyCrdFiles] });
  await env.startController({ routerFor, analysis: { prometheusAddress: "http://127.0.0.1:1" } });
});
after(async () => {
  await env?.stop();
  await new Promise<void>((r) => server.close(() => r()));
});

const flaggerManifest = (hooks: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: shop, namespace: default }
spec:
  replicas: 2
  selector: { matchLabels: { app: shop } }
  template:
    metadata: { labels: { app: shop } }
    spec: { containers: [{ name: app, image: "acme/shop:1" }] }
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: { name: shop, namespace: default }
spec:
  provider: istio
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: shop }
  service: { port: 80 }
  analysis:
    interval: 1s
    threshold: 2
    stepWeight: 50
    maxWeight: 100
    webhooks:
${hooks}`;

test("Flagger's pre-rollout, rollout and rollback webhooks gate a real canary after `sluice import`", { timeout: 90_000 }, async () => {
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const yaml = flaggerManifest(`      - { name: acceptance test, type: pre-rollout, url: "${base}/pre", timeout: 5s, metadata: { cmd: "curl -s http://shop-canary/" } }
      - { name: load test, type: rollout, url: "${base}/load", metadata: { cmd: "hey -z 1m http://shop-canary/" } }
      - { name: ask, type: rollback, url: "${base}/rollback" }
      - { name: notify, type: post-rollout, url: "${base}/notify" }`);
  const imported = joinDocuments(importDocuments(splitManifest("shop.yaml", yaml)));
  assert.doesNotMatch(imported, /NOT TRANSLATED/, imported);
  const objects = parseAllDocuments(imported).map((d) => d.toJSON() as KubeObject).filter((o) => o !== null);
  assert.deepEqual(objects.map((o) => o.kind).sort(), ["AnalysisTemplate", "AnalysisTemplate", "ConfigMap", "Rollout", "Service", "Service", "VirtualService"]);
  for (const o of objects) await env.kube.create(o);

  const first = await env.waitForPhase("shop", "Healthy");
  assert.deepEqual(calls.filter((c) => c.path !== "/notify"), [], "the first deployment runs no analysis, as Flagger's initialisation");
  await env.setImage("shop", "acme/shop:2");
  await env.waitForPhase("shop", "Healthy", 45_000, (s) => s.stableRS !== undefined && s.stableRS !== first.stableRS).catch(async (e: unknown) => {
    throw new Error(`${String(e)}: ${JSON.stringify(statusOf(await env.rollout("shop")))} ${JSON.stringify(calls)}`);
  });

  const pre = calls.filter((c) => c.path === "/pre");
  assert.equal(pre.length, 1, "pre-rollout is called once");
  assert.deepEqual(pre[0]?.body, { name: "shop", namespace: "default", phase: "Progressing", metadata: { cmd: "curl -s http://shop-canary/" } });
  const load = calls.filter((c) => c.path === "/load");
  assert.ok(load.length >= 1, "the load test is called during the analysis");
  assert.ok((load[0]?.at ?? 0) >= (pre[0]?.at ?? Infinity), "the load test starts after the pre-rollout check");
  assert.ok(calls.some((c) => c.path === "/rollback"), "the rollback hook is asked");
  // The post-rollout hook hears about the release once it is out, as a notification.
  await env.waitFor("the post-rollout notification", async () => (calls.some((c) => c.path === "/notify" && c.body.event === "completed" && c.at >= (load[0]?.at ?? Infinity)) ? true : undefined));

  // The rollback hook now answers 2xx: the next revision aborts back to stable.
  rollbackAnswer = 200;
  await env.setImage("shop", "acme/shop:3");
  const aborted = await env.waitFor("Aborted", async () => {
    const s = statusOf(await env.rollout("shop"));
    return s.phase === "Aborted" ? s : undefined;
  }, 45_000);
  assert.match(aborted.message ?? "", /metric "webhook-ask" failed/);
  await env.waitFor("the post-rollout notification of the rollback", async () => (calls.some((c) => c.path === "/notify" && c.body.event === "aborted" && c.body.rollout?.name === "shop") ? true : undefined));
  assert.ok(!calls.some((c) => c.path === "/notify" && !["completed", "aborted"].includes(c.body.event ?? "")), "post-rollout hears of completed and aborted only");
  const runs = await env.kube.list(API_GROUP_VERSION, "AnalysisRun", "default");
  assert.ok(runs.some((r) => (r.status as { phase?: string } | undefined)?.phase === "Failed"));
});
