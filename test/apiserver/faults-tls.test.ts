// Fault injection (runtime-changeable failures, dropped watches) and TLS with the generated CA.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { call, startTestServer, widget, WIDGETS } from "./helpers.ts";

test("injected 500, 429 and 409 by verb and resource, changeable at runtime", async () => {
  const server = await startTestServer();
  try {
    server.faults.setRules([{ fault: "error500", fraction: 1, verbs: ["create"], resources: ["widgets.fixtures.sluice.dev"] }]);
    const failed = await call(server, "POST", WIDGETS, widget("f1"));
    assert.equal(failed.status, 500);
    assert.equal(failed.body["reason"], "InternalError");
    assert.equal((await call(server, "GET", WIDGETS)).status, 200, "other verbs unaffected");
    assert.equal((await call(server, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "c" } })).status, 201, "other resources unaffected");

    server.faults.setRules([{ fault: "throttle429", fraction: 1, verbs: ["list"], retryAfterSeconds: 2 }]);
    const throttled = await call(server, "GET", WIDGETS);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get("retry-after"), "2");
    assert.equal((throttled.body["details"] as Record<string, unknown>)["retryAfterSeconds"], 2);

    server.faults.clear();
    const created = await call(server, "POST", WIDGETS, widget("f1"));
    assert.equal(created.status, 201);
    server.faults.setRules([{ fault: "conflict409", fraction: 1, verbs: ["update", "patch"] }]);
    const conflicted = await call(server, "PATCH", `${WIDGETS}/f1`, { spec: { replicas: 2 } }, { "content-type": "application/merge-patch+json" });
    assert.equal(conflicted.status, 409);
    assert.equal(conflicted.body["reason"], "Conflict");

    // A deterministic random source: every other request fails.
    let n = 0;
    server.faults.setRandom(() => (n++ % 2 === 0 ? 0.1 : 0.9));
    server.faults.setRules([{ fault: "error500", fraction: 0.5, verbs: ["get"] }]);
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await call(server, "GET", `${WIDGETS}/f1`)).status);
    assert.deepEqual(codes, [500, 200, 500, 200, 500, 200]);
    assert.ok(server.faults.injected.error500 >= 4);
  } finally {
    await server.stop();
  }
});

test("timeout fault holds the request and drops the connection", async () => {
  const server = await startTestServer();
  try {
    server.faults.setRules([{ fault: "timeout", fraction: 1, verbs: ["get"], timeoutMs: 200 }]);
    const started = Date.now();
    await assert.rejects(fetch(`${server.url}${WIDGETS}/x`));
    assert.ok(Date.now() - started >= 180, "held for the configured time");
  } finally {
    await server.stop();
  }
});

test("delay fault holds the request, then serves it as usual", async () => {
  const server = await startTestServer();
  try {
    server.faults.setRules([{ fault: "delay", fraction: 1, verbs: ["create"], delayMs: 200 }]);
    const started = Date.now();
    const created = await call(server, "POST", WIDGETS, widget("slow"));
    assert.ok(Date.now() - started >= 180, "held for the configured time");
    assert.equal(created.status, 201);
    assert.equal((await call(server, "GET", `${WIDGETS}/slow`)).status, 200);
    assert.equal(server.faults.injected.delay, 1);
  } finally {
    await server.stop();
  }
});

test("TLS: self-signed CA in the kubeconfig works for client-node and kubectl", async () => {
  const server = await startTestServer({ tls: true });
  const dir = mkdtempSync(join(tmpdir(), "sluice-tls-"));
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    assert.equal(kc.getCurrentCluster()?.skipTLSVerify, false);
    const core = kc.makeApiClient(CoreV1Api);
    const list = await core.listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === "kube-system"));
    const out = await new Promise<{ stdout: string; stderr: string; error: Error | null }>((resolve) =>
      execFile("kubectl", ["get", "ns", "default", "-o", "name"], { env: { ...process.env, KUBECONFIG: server.kubeconfigPath, KUBECACHEDIR: join(dir, "cache"), HOME: dir } }, (error, stdout, stderr) => resolve({ stdout, stderr, error })),
    );
    assert.equal(out.error, null, out.stderr);
    assert.equal(out.stdout.trim(), "namespace/default");
    await assert.rejects(fetch(`${server.url}/version`), "untrusted without the CA");
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("control endpoint /_sandbox/ sets fault rules, drops watches and compacts history from another process", async () => {
  const server = await startTestServer();
  try {
    const put = await call(server, "PUT", "/_sandbox/faults", { rules: [{ fault: "throttle429", fraction: 1, verbs: ["get"] }] });
    assert.equal(put.status, 200);
    assert.equal((await call(server, "GET", `${WIDGETS}/x`)).status, 429);
    const state = await call(server, "GET", "/_sandbox/faults");
    assert.equal((state.body["injected"] as Record<string, number>)["throttle429"], 1);
    const invalid = await call(server, "PUT", "/_sandbox/faults", { rules: [{ fault: "explode", fraction: 2 }] });
    assert.equal(invalid.status, 400);
    await call(server, "PUT", "/_sandbox/faults", { rules: [] });
    assert.equal((await call(server, "GET", `${WIDGETS}/x`)).status, 404);

    const controller = new AbortController();
    const watch = fetch(`${server.url}${WIDGETS}?watch=1`, { signal: controller.signal }).then((r) => r.text().catch(() => "dropped"));
    for (let i = 0; i < 100 && server.faults.openWatchCount() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const dropped = await call(server, "POST", "/_sandbox/drop-watches", { graceful: true });
    assert.equal(dropped.body["dropped"], 1);
    assert.equal(await watch, "", "stream ended cleanly");
    assert.equal((await call(server, "POST", "/_sandbox/compact", {})).status, 200);
    const expired = await fetch(`${server.url}${WIDGETS}?watch=1&resourceVersion=1`).then((r) => r.text());
    assert.match(expired, /"reason":"Expired"/);
    controller.abort();
  } finally {
    await server.stop();
  }
});
