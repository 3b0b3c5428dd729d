/**
 * client-node 2.0 builds an undici Agent (a connection pool) per request; the controller's KubeConfig hands the
 * first one to every later request of the same connection identity, and keeps per-request behaviour where the
 * credentials may turn into changing client certificates.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { KubeConfig, RequestContext } from "@kubernetes/client-node";
import { SharedConnectionKubeConfig, withSharedConnections } from "../../src/kube/shared-connections.ts";

const config = (user: Record<string, unknown> = { name: "u", token: "t" }) => ({
  clusters: [{ name: "c", server: "https://127.0.0.1:6443", skipTLSVerify: true }],
  users: [user],
  contexts: [{ name: "ctx", cluster: "c", user: "u" }],
  currentContext: "ctx",
});

async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const context = new RequestContext("https://127.0.0.1:6443/api/v1/namespaces", "GET" as never);
  await kc.applySecurityAuthentication(context);
  assert.equal(context.getHeaders()["Authorization"], "Bearer t", "the token is still applied per request");
  return context.getDispatcher();
}

test("client-node alone builds a new connection pool per request; ours reuses one", async () => {
  const plain = new KubeConfig();
  plain.loadFromOptions(config());
  const [p1, p2] = [await dispatcherOf(plain), await dispatcherOf(plain)];
  assert.ok(p1 !== undefined && p1 !== p2, "the premise: client-node makes one per request");

  const shared = withSharedConnections(plain);
  assert.ok(shared instanceof SharedConnectionKubeConfig);
  assert.equal(shared.getCurrentContext(), "ctx");
  const [s1, s2, s3] = [await dispatcherOf(shared), await dispatcherOf(shared), await dispatcherOf(shared)];
  assert.ok(s1 !== undefined);
  assert.equal(s2, s1);
  assert.equal(s3, s1);
  assert.equal(withSharedConnections(shared), shared);
});

test("a changed cluster gets a new pool", async () => {
  const kc = new SharedConnectionKubeConfig();
  kc.loadFromOptions(config());
  const first = await dispatcherOf(kc);
  assert.equal(await dispatcherOf(kc), first);
  kc.loadFromOptions({ ...config(), clusters: [{ name: "c", server: "https://127.0.0.1:6443", skipTLSVerify: true, tlsServerName: "other" }] });
  const second = await dispatcherOf(kc);
  assert.notEqual(second, first);
  assert.equal(await dispatcherOf(kc), second);
});
