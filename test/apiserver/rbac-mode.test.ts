// RBAC mode over HTTP: who a request is (superuser token, TokenRequest tokens, anonymous, 401 for the rest),
// kube's 403 Status, impersonation refused unless granted, the access and rules reviews, the owner-reference
// admission checks, and the access log the sandbox control API serves.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { parse as parseYaml } from "yaml";
import type { ApiServer } from "../../src/sandbox/apiserver/index.ts";
import { call, startTestServer } from "./helpers.ts";

let server: ApiServer;
let admin: Record<string, string>;
const SA = "system:serviceaccount:apps:builder";

before(async () => {
  server = await startTestServer({ rbac: true });
  const kubeconfig = parseYaml(readFileSync(server.kubeconfigPath, "utf8")) as { users: { user: { token: string } }[] };
  admin = { authorization: `Bearer ${kubeconfig.users[0]?.user.token}` };
  server.applyYaml(`
apiVersion: v1
kind: Namespace
metadata: { name: apps }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: builder, namespace: apps }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: configmaps, namespace: apps }
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get", "list", "create"]
  - apiGroups: ["apps"]
    resources: ["replicasets"]
    verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: builder-configmaps, namespace: apps }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmaps }
subjects: [{ kind: ServiceAccount, name: builder }]
`);
});
after(async () => server?.stop());

async function tokenFor(namespace: string, name: string, body: unknown = {}): Promise<Record<string, string>> {
  const reply = await call(server, "POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, body, admin);
  assert.equal(reply.status, 201, reply.text);
  const status = reply.body["status"] as { token: string; expirationTimestamp: string };
  return { authorization: `Bearer ${status.token}` };
}

test("the kubeconfig's token is a superuser; no token is system:anonymous; an unknown token is 401", async () => {
  const whoami = await call(server, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, admin);
  assert.equal(whoami.status, 201);
  assert.deepEqual((whoami.body["status"] as { userInfo: unknown }).userInfo, { username: "sluice-sandbox-admin", groups: ["system:masters", "system:authenticated"] });
  assert.equal((await call(server, "GET", "/api/v1/nodes", undefined, admin)).status, 404, "a superuser reaches the handler (no such resource here)");

  const anonymous = await call(server, "GET", "/api");
  assert.equal(anonymous.status, 403);
  assert.equal(anonymous.body["message"], 'forbidden: User "system:anonymous" cannot get path "/api"');
  assert.equal((await call(server, "GET", "/version")).status, 200, "system:public-info-viewer: /version for anyone");

  const bogus = await call(server, "GET", "/api", undefined, { authorization: "Bearer not-a-token" });
  assert.equal(bogus.status, 401);
  assert.deepEqual(bogus.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
});

test("TokenRequest: a token for the ServiceAccount, its expiry as asked; none for a missing one or under 10 minutes; dead with its ServiceAccount", async () => {
  const reply = await call(server, "POST", "/api/v1/namespaces/apps/serviceaccounts/builder/token", { spec: { expirationSeconds: 1200 } }, admin);
  assert.equal(reply.status, 201);
  assert.equal(reply.body["kind"], "TokenRequest");
  const status = reply.body["status"] as { token: string; expirationTimestamp: string };
  const seconds = (Date.parse(status.expirationTimestamp) - Date.now()) / 1000;
  assert.ok(seconds > 1190 && seconds <= 1201, `expires in ${seconds} s`);
  const token = { authorization: `Bearer ${status.token}` };
  const whoami = await call(server, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, token);
  assert.deepEqual((whoami.body["status"] as { userInfo: unknown }).userInfo, { username: SA, groups: ["system:serviceaccounts", "system:serviceaccounts:apps", "system:authenticated"] });

  const missing = await call(server, "POST", "/api/v1/namespaces/apps/serviceaccounts/nobody/token", {}, admin);
  assert.equal(missing.status, 404);
  assert.equal(missing.body["message"], 'serviceaccounts "nobody" not found');
  const short = await call(server, "POST", "/api/v1/namespaces/apps/serviceaccounts/builder/token", { spec: { expirationSeconds: 60 } }, admin);
  assert.equal(short.status, 422);
  assert.match(String(short.body["message"]), /spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);

  server.applyYaml("apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: temp, namespace: apps }\n");
  const temp = await tokenFor("apps", "temp");
  assert.equal((await call(server, "GET", "/api", undefined, temp)).status, 200);
  assert.equal((await call(server, "DELETE", "/api/v1/namespaces/apps/serviceaccounts/temp", undefined, admin)).status, 200);
  assert.equal((await call(server, "GET", "/api", undefined, temp)).status, 401, "the token died with its ServiceAccount");
});

test("a ServiceAccount may do what its RoleBinding grants, in its namespace only; anything else is kube's 403", async () => {
  const token = await tokenFor("apps", "builder");
  assert.equal((await call(server, "GET", "/api/v1/namespaces/apps/configmaps", undefined, token)).status, 200);
  const created = await call(server, "POST", "/api/v1/namespaces/apps/configmaps", { metadata: { name: "c" }, data: { a: "1" } }, token);
  assert.equal(created.status, 201, created.text);

  const elsewhere = await call(server, "GET", "/api/v1/namespaces/default/configmaps", undefined, token);
  assert.equal(elsewhere.status, 403);
  assert.deepEqual(elsewhere.body, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `configmaps is forbidden: User "${SA}" cannot list resource "configmaps" in API group "" in the namespace "default"`,
    reason: "Forbidden",
    details: { kind: "configmaps" },
    code: 403,
  });
  const named = await call(server, "DELETE", "/api/v1/namespaces/apps/configmaps/c", undefined, token);
  assert.equal(named.body["message"], `configmaps "c" is forbidden: User "${SA}" cannot delete resource "configmaps" in API group "" in the namespace "apps"`);
  const cluster = await call(server, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles", undefined, token);
  assert.equal(cluster.body["message"], `clusterroles.rbac.authorization.k8s.io is forbidden: User "${SA}" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope`);
  const status = await call(server, "PUT", "/api/v1/namespaces/apps/configmaps/c/status", {}, token);
  assert.match(String(status.body["message"]), /cannot update resource "configmaps\/status" in API group ""/);
  assert.equal((await call(server, "GET", "/apis/apps/v1", undefined, token)).status, 200, "system:discovery: every authenticated user");
});

test("impersonation: refused for a user without the impersonate verb; allowed to the superuser and to one granted it", async () => {
  const token = await tokenFor("apps", "builder");
  const refused = await call(server, "GET", "/api", undefined, { ...token, "impersonate-user": "alice" });
  assert.equal(refused.status, 403);
  assert.equal(refused.body["message"], `users "alice" is forbidden: User "${SA}" cannot impersonate resource "users" in API group "" at the cluster scope`);
  const asSa = await call(server, "GET", "/api", undefined, { ...token, "impersonate-user": "system:serviceaccount:kube-system:admin" });
  assert.equal(asSa.body["message"], `serviceaccounts "admin" is forbidden: User "${SA}" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"`);
  const groupOnly = await call(server, "GET", "/api", undefined, { ...admin, "impersonate-group": "devs" });
  assert.equal(groupOnly.status, 500, "Impersonate-Group without Impersonate-User");

  // The superuser becomes the ServiceAccount, with its groups.
  const whoami = await call(server, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, { ...admin, "impersonate-user": SA });
  assert.deepEqual((whoami.body["status"] as { userInfo: unknown }).userInfo, { username: SA, groups: ["system:serviceaccounts", "system:serviceaccounts:apps", "system:authenticated"] });
  const asBuilder = await call(server, "GET", "/api/v1/namespaces/default/configmaps", undefined, { ...admin, "impersonate-user": SA });
  assert.equal(asBuilder.status, 403, "impersonated, the superuser has the ServiceAccount's rights only");

  server.applyYaml(`
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: impersonate-alice }
rules: [{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"], resourceNames: ["alice"] }, { apiGroups: [""], resources: ["groups"], verbs: ["impersonate"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: builder-impersonates }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-alice }
subjects: [{ kind: ServiceAccount, name: builder, namespace: apps }]
`);
  const asAlice = await call(server, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, { ...token, "impersonate-user": "alice", "impersonate-group": "devs" });
  assert.equal(asAlice.status, 201, asAlice.text);
  assert.deepEqual((asAlice.body["status"] as { userInfo: unknown }).userInfo, { username: "alice", groups: ["devs", "system:authenticated"] });
  assert.equal((await call(server, "GET", "/api", undefined, { ...token, "impersonate-user": "bob" })).status, 403, "resourceNames: alice only");
});

test("SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectRulesReview answer as the authorizer would", async () => {
  const token = await tokenFor("apps", "builder");
  const ssar = await call(server, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { spec: { resourceAttributes: { verb: "list", resource: "configmaps", namespace: "apps" } } }, token);
  assert.equal(ssar.status, 201);
  assert.deepEqual(ssar.body["status"], { allowed: true, reason: 'RBAC: allowed by RoleBinding "builder-configmaps/apps" of Role "configmaps" to ServiceAccount "builder/apps"' });
  const no = await call(server, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { spec: { resourceAttributes: { verb: "list", resource: "secrets", namespace: "apps" } } }, token);
  assert.deepEqual(no.body["status"], { allowed: false });
  const neither = await call(server, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { spec: {} }, token);
  assert.equal(neither.status, 422);

  const sar = (spec: unknown, headers = admin) => call(server, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", { spec }, headers);
  const asked = await sar({ user: SA, groups: ["system:serviceaccounts"], resourceAttributes: { verb: "create", resource: "configmaps", namespace: "apps" } });
  assert.equal((asked.body["status"] as { allowed: boolean }).allowed, true);
  assert.equal(((await sar({ user: SA, nonResourceAttributes: { verb: "get", path: "/api" } })).body["status"] as { allowed: boolean }).allowed, false, "system:discovery is bound to system:authenticated, not named in spec.groups");
  assert.equal((await sar({ user: "alice", resourceAttributes: { verb: "get", resource: "pods" } }, token)).status, 403, "creating a SubjectAccessReview needs its own grant");

  const local = await call(server, "POST", "/apis/authorization.k8s.io/v1/namespaces/apps/localsubjectaccessreviews", { spec: { user: SA, resourceAttributes: { verb: "get", resource: "configmaps", namespace: "apps" } } }, admin);
  assert.equal((local.body["status"] as { allowed: boolean }).allowed, true);
  const mismatch = await call(server, "POST", "/apis/authorization.k8s.io/v1/namespaces/apps/localsubjectaccessreviews", { spec: { user: SA, resourceAttributes: { verb: "get", resource: "configmaps", namespace: "other" } } }, admin);
  assert.equal(mismatch.status, 422);

  const rules = await call(server, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", { spec: { namespace: "apps" } }, token);
  const status = rules.body["status"] as { resourceRules: { resources: string[]; verbs: string[] }[]; nonResourceRules: { nonResourceURLs: string[] }[]; incomplete: boolean };
  assert.ok(status.resourceRules.some((r) => r.resources.includes("configmaps") && r.verbs.join() === "get,list,create"));
  assert.ok(status.nonResourceRules.some((r) => r.nonResourceURLs.includes("/apis/*")));
  assert.equal(status.incomplete, false);
  const elsewhere = await call(server, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", { spec: { namespace: "default" } }, token);
  assert.ok(!(elsewhere.body["status"] as typeof status).resourceRules.some((r) => r.resources.includes("configmaps")));
  assert.equal((await call(server, "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", undefined, token)).status, 403, "get is not granted (and not served)");
});

test("owner references: blockOwnerDeletion needs update on the owner's finalizers; changing ownerReferences needs delete", async () => {
  const token = await tokenFor("apps", "builder");
  const owner = await call(server, "POST", "/api/v1/namespaces/apps/configmaps", { metadata: { name: "owner" } }, token);
  const uid = (owner.body["metadata"] as { uid: string }).uid;
  const ref = (block: boolean) => ({ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid, ...(block ? { blockOwnerDeletion: true } : {}) });
  const plain = await call(server, "POST", "/api/v1/namespaces/apps/configmaps", { metadata: { name: "child", ownerReferences: [ref(false)] } }, token);
  assert.equal(plain.status, 201, "creating with an ownerReference needs nothing more");
  const blocking = await call(server, "POST", "/api/v1/namespaces/apps/configmaps", { metadata: { name: "blocker", ownerReferences: [ref(true)] } }, token);
  assert.equal(blocking.status, 403);
  assert.equal(blocking.body["message"], `configmaps "blocker" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>`);

  server.applyYaml(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: finalizers, namespace: apps }
rules: [{ apiGroups: [""], resources: ["configmaps/finalizers"], verbs: ["update"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: builder-finalizers, namespace: apps }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: finalizers }
subjects: [{ kind: ServiceAccount, name: builder }]
`);
  assert.equal((await call(server, "POST", "/api/v1/namespaces/apps/configmaps", { metadata: { name: "blocker", ownerReferences: [ref(true)] } }, token)).status, 201);
  const log = await call(server, "GET", `/_sandbox/access-log?user=${encodeURIComponent(SA)}`);
  const finalizers = (log.body["resources"] as { verb: string; resource: string; allowed: number; denied: number }[]).find((e) => e.resource === "configmaps/finalizers");
  assert.deepEqual(finalizers && { verb: finalizers.verb, allowed: finalizers.allowed, denied: finalizers.denied }, { verb: "update", allowed: 1, denied: 1 }, "admission's checks are in the access log");

  server.applyYaml(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: update-cm, namespace: apps }
rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["update", "patch"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: builder-update-cm, namespace: apps }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: update-cm }
subjects: [{ kind: ServiceAccount, name: builder }]
`);
  const orphan = await call(server, "PATCH", "/api/v1/namespaces/apps/configmaps/child", { metadata: { ownerReferences: null } }, { ...token, "content-type": "application/merge-patch+json" });
  assert.equal(orphan.status, 403);
  assert.match(String(orphan.body["message"]), /^configmaps "child" is forbidden: cannot set an ownerRef on a resource you can't delete: , <nil>$/);
  const labelled = await call(server, "PATCH", "/api/v1/namespaces/apps/configmaps/child", { metadata: { labels: { a: "b" } } }, { ...token, "content-type": "application/merge-patch+json" });
  assert.equal(labelled.status, 200, "a write that leaves ownerReferences alone needs no delete");
});

test("the access log: per user, every resource request's (verb, group, resource, namespace) and path, allowed and denied", async () => {
  await call(server, "DELETE", "/_sandbox/access-log");
  const token = await tokenFor("apps", "builder");
  await call(server, "GET", "/api/v1/namespaces/apps/configmaps", undefined, token);
  await call(server, "GET", "/api/v1/namespaces/apps/configmaps?watch=true&timeoutSeconds=1", undefined, token);
  await call(server, "GET", "/apis", undefined, token);
  const log = await call(server, "GET", `/_sandbox/access-log?user=${encodeURIComponent(SA)}`);
  const brief = (log.body["resources"] as { verb: string; group: string; resource: string; namespace: string; allowed: number; denied: number }[]).map((e) => `${e.verb} ${e.group}/${e.resource} ${e.namespace} +${e.allowed} -${e.denied}`);
  assert.deepEqual(brief, ["list /configmaps apps +1 -0", "watch /configmaps apps +0 -1"]);
  assert.deepEqual(log.body["nonResources"], [{ user: SA, verb: "get", path: "/apis", allowed: 1, denied: 0 }]);
  const all = await call(server, "GET", "/_sandbox/access-log");
  assert.ok((all.body["resources"] as { user: string }[]).some((e) => e.user === "sluice-sandbox-admin"), "the superuser's TokenRequest is there too");
});

test("discovery in RBAC mode lists authorization.k8s.io, authentication.k8s.io and serviceaccounts/token; without it, nothing changes", async () => {
  const groups = (await call(server, "GET", "/apis", undefined, admin)).body["groups"] as { name: string }[];
  assert.ok(groups.some((g) => g.name === "authorization.k8s.io") && groups.some((g) => g.name === "authentication.k8s.io"));
  const authz = (await call(server, "GET", "/apis/authorization.k8s.io/v1", undefined, admin)).body["resources"] as { name: string; verbs: string[] }[];
  assert.deepEqual(authz.map((r) => r.name), ["localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews", "subjectaccessreviews"]);
  const core = (await call(server, "GET", "/api/v1", undefined, admin)).body["resources"] as { name: string }[];
  assert.ok(core.some((r) => r.name === "serviceaccounts/token"));

  const plain = await startTestServer();
  try {
    const plainGroups = (await call(plain, "GET", "/apis")).body["groups"] as { name: string }[];
    assert.ok(!plainGroups.some((g) => g.name === "authorization.k8s.io"));
    assert.equal((await call(plain, "GET", "/api/v1/namespaces/default/configmaps")).status, 200, "no RBAC mode: no credentials needed");
    assert.equal((await call(plain, "GET", "/_sandbox/access-log")).status, 400);
  } finally {
    await plain.stop();
  }
});

test("impersonating a uid and extras: each checked (authentication.k8s.io uids, userextras/KEY) and carried", async () => {
  const whoami = await call(server, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, { ...admin, "impersonate-user": "carol", "impersonate-uid": "u-1", "impersonate-extra-scopes": "view" });
  assert.deepEqual((whoami.body["status"] as { userInfo: unknown }).userInfo, { username: "carol", groups: ["system:authenticated"], uid: "u-1", extra: { scopes: ["view"] } });
  server.applyYaml(`
apiVersion: v1
kind: ServiceAccount
metadata: { name: proxy, namespace: apps }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: impersonate-users }
rules: [{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: proxy-impersonates }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-users }
subjects: [{ kind: ServiceAccount, name: proxy, namespace: apps }]
`);
  const token = await tokenFor("apps", "proxy");
  assert.equal((await call(server, "GET", "/apis", undefined, { ...token, "impersonate-user": "carol" })).status, 200);
  const extra = await call(server, "GET", "/apis", undefined, { ...token, "impersonate-user": "carol", "impersonate-extra-scopes": "view" });
  assert.equal(extra.body["message"], `userextras.authentication.k8s.io "view" is forbidden: User "system:serviceaccount:apps:proxy" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope`);
  const uid = await call(server, "GET", "/apis", undefined, { ...token, "impersonate-user": "carol", "impersonate-uid": "u-1" });
  assert.equal(uid.body["message"], `uids.authentication.k8s.io "u-1" is forbidden: User "system:serviceaccount:apps:proxy" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope`);
});
