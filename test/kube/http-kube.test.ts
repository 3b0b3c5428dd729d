/** The controller's plain-JSON client against the sandbox API server: the same contract as ClientNodeKube. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { HttpKube } from "../../src/kube/http-kube.ts";
import { ConflictError, KubeRequestError } from "../../src/kube/kube-client.ts";
import { startEnv, type Env } from "../helpers/controller-env.ts";

let env: Env;
let kube: HttpKube;
const seen: string[] = [];
before(async () => {
  env = await startEnv();
  kube = new HttpKube(env.kc, (verb, kind, code) => seen.push(`${verb} ${kind} ${code}`));
});
after(async () => env?.stop());

const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default", labels: { app: "x" } }, data: { a: "1" } };
const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "c" };

test("absent is undefined; create, get, list by label, merge patch, conditional replace, delete", async () => {
  assert.equal(await kube.get(ref), undefined);
  const created = await kube.create(cm);
  assert.equal((await kube.get(ref))?.metadata.uid, created.metadata.uid);
  assert.deepEqual((await kube.list("v1", "ConfigMap", "default", "app=x")).map((o) => [o.kind, o.metadata.name]), [["ConfigMap", "c"]]);
  assert.equal((await kube.list("v1", "ConfigMap", "default", "app=y")).length, 0);
  const patched = await kube.mergePatch(ref, { data: { b: "2" } });
  assert.deepEqual(patched.data, { a: "1", b: "2" });
  // A replace from a stale read is a ConflictError (409), as the reconcile's retry expects.
  await assert.rejects(kube.replace({ ...created, data: { stale: "yes" } }), ConflictError);
  await kube.delete(ref);
  await kube.delete(ref); // already gone: fine
  assert.equal(await kube.get(ref), undefined);
  assert.ok(seen.includes("get ConfigMap 404") && seen.includes("update ConfigMap 409"), seen.join(", "));
});

test("the status subresource of our own kinds, reported as KIND/status", async () => {
  const rollout = await kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name: "r", namespace: "default" },
    spec: { replicas: 1, selector: { matchLabels: { app: "r" } }, template: { metadata: { labels: { app: "r" } }, spec: { containers: [{ name: "app", image: "acme/r:1" }] } }, strategy: { canary: {} } },
  });
  const written = await kube.replaceStatus({ ...rollout, status: { phase: "Progressing" } }, "rollouts");
  assert.equal((written.status as { phase?: string }).phase, "Progressing");
  assert.ok(seen.some((s) => s.startsWith("update Rollout/status 200")));
});

test("a kind the server does not serve is an error that says so; a failed request names what was sent", async () => {
  await assert.rejects(kube.get({ apiVersion: "v1", kind: "Gizmo", namespace: "default", name: "g" }), (e: unknown) => e instanceof KubeRequestError && /serves no kind Gizmo in v1/.test(e.message));
  const nowhere = new HttpKube(env.kc);
  await env.server.stop();
  await assert.rejects(nowhere.get(ref), (e: unknown) => e instanceof KubeRequestError && e.status === 0 && /^get ConfigMap \(discovery of v1\): request failed/.test(e.message));
});
