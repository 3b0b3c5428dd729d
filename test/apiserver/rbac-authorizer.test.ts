// The RBAC authorizer and request attributes of the sandbox API server's RBAC mode, against kube-apiserver's
// rules: binding kinds and their scope, subjects, resourceNames, subresources, wildcards, non-resource URLs,
// the privileged group, and what a binding to a missing role says.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JsonObject } from "../../src/util/json.ts";
import { RbacAuthorizer } from "../../src/sandbox/apiserver/auth/rbac-authorizer.ts";
import { requestAttributes, type RequestAttributes } from "../../src/sandbox/apiserver/auth/request-attributes.ts";
import { serviceAccountUser, type UserInfo } from "../../src/sandbox/apiserver/auth/user-info.ts";
import { Store } from "../../src/sandbox/apiserver/store.ts";

const RBAC = "rbac.authorization.k8s.io";

function authorizerWith(objects: { key: string; obj: JsonObject }[]): RbacAuthorizer {
  const store = new Store();
  for (const { key, obj } of objects) store.put(`${key}.${RBAC}`, obj, store.nextRevision());
  return new RbacAuthorizer(store);
}

const clusterRole = (name: string, rules: JsonObject[]) => ({ key: "clusterroles", obj: { metadata: { name }, rules } });
const role = (namespace: string, name: string, rules: JsonObject[]) => ({ key: "roles", obj: { metadata: { name, namespace }, rules } });
const clusterRoleBinding = (name: string, roleName: string, subjects: JsonObject[]) => ({
  key: "clusterrolebindings",
  obj: { metadata: { name }, roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: roleName }, subjects },
});
const roleBinding = (namespace: string, name: string, kind: "Role" | "ClusterRole", roleName: string, subjects: JsonObject[]) => ({
  key: "rolebindings",
  obj: { metadata: { name, namespace }, roleRef: { apiGroup: RBAC, kind, name: roleName }, subjects },
});

const alice: UserInfo = { name: "alice", groups: ["devs", "system:authenticated"] };
const bob: UserInfo = { name: "bob", groups: ["system:authenticated"] };

function res(verb: string, group: string, resource: string, namespace = "", name = "", subresource = ""): RequestAttributes {
  return { kind: "resource", verb, group, version: "v1", resource, subresource, namespace, name };
}
const path = (verb: string, p: string): RequestAttributes => ({ kind: "nonResource", verb, path: p });
const allowed = (a: RbacAuthorizer, user: UserInfo, attrs: RequestAttributes) => a.authorize(user, attrs).allowed;

test("a ClusterRoleBinding grants its ClusterRole in every namespace and at the cluster scope; the reason names it", () => {
  const a = authorizerWith([clusterRole("reader", [{ apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list"] }]), clusterRoleBinding("alice-reads", "reader", [{ kind: "User", name: "alice" }])]);
  assert.ok(allowed(a, alice, res("list", "", "pods", "default")));
  assert.ok(allowed(a, alice, res("get", "", "pods", "kube-system", "p")));
  assert.ok(allowed(a, alice, res("list", "", "nodes")));
  assert.ok(!allowed(a, alice, res("delete", "", "pods", "default", "p")));
  assert.ok(!allowed(a, alice, res("list", "apps", "pods", "default")), "the API group must match");
  assert.ok(!allowed(a, bob, res("list", "", "pods", "default")));
  assert.equal(a.authorize(alice, res("list", "", "pods", "default")).reason, 'RBAC: allowed by ClusterRoleBinding "alice-reads" of ClusterRole "reader" to User "alice"');
});

test("a RoleBinding grants only in its namespace, to a Role of that namespace or a ClusterRole, never at the cluster scope", () => {
  const a = authorizerWith([
    role("team", "edit", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["*"] }]),
    clusterRole("view", [{ apiGroups: [""], resources: ["configmaps", "namespaces"], verbs: ["get"] }]),
    roleBinding("team", "alice-edit", "Role", "edit", [{ kind: "User", name: "alice" }]),
    roleBinding("team", "alice-view", "ClusterRole", "view", [{ kind: "Group", name: "devs" }]),
    // A Role of another namespace with the same name grants nothing here.
    role("other", "edit", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]),
  ]);
  assert.ok(allowed(a, alice, res("delete", "apps", "deployments", "team", "web")));
  assert.ok(!allowed(a, alice, res("delete", "apps", "deployments", "other", "web")));
  assert.ok(allowed(a, alice, res("get", "", "configmaps", "team", "c")));
  assert.ok(!allowed(a, alice, res("get", "", "configmaps", "default", "c")));
  assert.ok(!allowed(a, alice, res("get", "", "namespaces", "", "team")), "cluster-scoped: RoleBindings do not apply");
  // GET /api/v1/namespaces/team carries the namespace "team", as kube's request info does.
  assert.ok(allowed(a, alice, requestAttributes("GET", new URL("http://x/api/v1/namespaces/team"))));
  assert.equal(a.authorize(alice, res("get", "", "configmaps", "team", "c")).reason, 'RBAC: allowed by RoleBinding "alice-view/team" of ClusterRole "view" to Group "devs"');
});

test("ServiceAccount subjects: by namespace and name; a RoleBinding's subject without a namespace means its own", () => {
  const sa = serviceAccountUser("ci", "deployer");
  const a = authorizerWith([
    clusterRole("lister", [{ apiGroups: [""], resources: ["services"], verbs: ["list"] }]),
    roleBinding("ci", "local", "ClusterRole", "lister", [{ kind: "ServiceAccount", name: "deployer" }]),
    clusterRoleBinding("wrong-ns", "lister", [{ kind: "ServiceAccount", name: "deployer", namespace: "prod" }]),
    clusterRoleBinding("no-ns", "lister", [{ kind: "ServiceAccount", name: "deployer" }]),
  ]);
  assert.deepEqual(sa.groups, ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"]);
  assert.equal(sa.name, "system:serviceaccount:ci:deployer");
  assert.ok(allowed(a, sa, res("list", "", "services", "ci")));
  assert.ok(!allowed(a, sa, res("list", "", "services", "prod")), "neither the prod subject nor a namespace-less ClusterRoleBinding subject is this SA");
  assert.equal(a.authorize(sa, res("list", "", "services", "ci")).reason, 'RBAC: allowed by RoleBinding "local/ci" of ClusterRole "lister" to ServiceAccount "deployer/ci"');
  const group = authorizerWith([clusterRole("lister", [{ apiGroups: [""], resources: ["services"], verbs: ["list"] }]), clusterRoleBinding("all-sa", "lister", [{ kind: "Group", name: "system:serviceaccounts:ci" }])]);
  assert.ok(allowed(group, sa, res("list", "", "services", "anywhere")));
});

test("resourceNames narrow a rule to named objects: no list, no create, no get of another name", () => {
  const a = authorizerWith([
    clusterRole("one-cm", [{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["sluice-notifications"], verbs: ["get", "list", "update"] }]),
    clusterRoleBinding("b", "one-cm", [{ kind: "User", name: "alice" }]),
  ]);
  assert.ok(allowed(a, alice, res("get", "", "configmaps", "ns", "sluice-notifications")));
  assert.ok(!allowed(a, alice, res("get", "", "configmaps", "ns", "other")));
  assert.ok(!allowed(a, alice, res("list", "", "configmaps", "ns")));
  // A watch or list narrowed by fieldSelector=metadata.name=X names X, as in kube's request info.
  const narrowed = requestAttributes("GET", new URL("http://x/api/v1/namespaces/ns/configmaps?fieldSelector=metadata.name%3Dsluice-notifications"));
  assert.equal(narrowed.kind === "resource" && narrowed.name, "sluice-notifications");
  assert.ok(allowed(a, alice, narrowed));
});

test("subresources: a resource's rule is not its subresources'; resource/sub and */sub match; * matches all", () => {
  const a = authorizerWith([
    clusterRole("r", [
      { apiGroups: ["sluice.dev"], resources: ["rollouts"], verbs: ["update"] },
      { apiGroups: ["sluice.dev"], resources: ["analysisruns/status"], verbs: ["update"] },
      { apiGroups: ["apps"], resources: ["*/scale"], verbs: ["patch"] },
      { apiGroups: ["batch"], resources: ["*"], verbs: ["get"] },
    ]),
    clusterRoleBinding("b", "r", [{ kind: "User", name: "alice" }]),
  ]);
  assert.ok(allowed(a, alice, res("update", "sluice.dev", "rollouts", "d", "x")));
  assert.ok(!allowed(a, alice, res("update", "sluice.dev", "rollouts", "d", "x", "status")));
  assert.ok(allowed(a, alice, res("update", "sluice.dev", "analysisruns", "d", "x", "status")));
  assert.ok(!allowed(a, alice, res("update", "sluice.dev", "analysisruns", "d", "x")));
  assert.ok(allowed(a, alice, res("patch", "apps", "deployments", "d", "x", "scale")));
  assert.ok(allowed(a, alice, res("patch", "apps", "statefulsets", "d", "x", "scale")));
  assert.ok(!allowed(a, alice, res("patch", "apps", "deployments", "d", "x")));
  assert.ok(allowed(a, alice, res("get", "batch", "jobs", "d", "x", "status")));
});

test("wildcard verbs and groups", () => {
  const a = authorizerWith([clusterRole("r", [{ apiGroups: ["*"], resources: ["leases"], verbs: ["*"] }]), clusterRoleBinding("b", "r", [{ kind: "Group", name: "devs" }])]);
  assert.ok(allowed(a, alice, res("deletecollection", "coordination.k8s.io", "leases", "x")));
  assert.ok(allowed(a, alice, res("impersonate", "anything", "leases")));
  assert.ok(!allowed(a, alice, res("get", "coordination.k8s.io", "leasesx", "x")));
});

test("non-resource URLs: exact, prefix* and *; only ClusterRoleBindings grant them", () => {
  const a = authorizerWith([
    clusterRole("paths", [{ nonResourceURLs: ["/healthz", "/logs/*"], verbs: ["get"] }]),
    clusterRoleBinding("b", "paths", [{ kind: "User", name: "alice" }]),
    clusterRole("all-paths", [{ nonResourceURLs: ["*"], verbs: ["*"] }]),
    roleBinding("default", "rb", "ClusterRole", "all-paths", [{ kind: "User", name: "bob" }]),
  ]);
  assert.ok(allowed(a, alice, path("get", "/healthz")));
  assert.ok(!allowed(a, alice, path("get", "/healthz/etcd")));
  assert.ok(allowed(a, alice, path("get", "/logs/kube.log")));
  assert.ok(allowed(a, alice, path("get", "/logs/")));
  assert.ok(!allowed(a, alice, path("post", "/healthz")));
  assert.ok(!allowed(a, bob, path("get", "/healthz")), "a RoleBinding grants no non-resource URL");
  assert.ok(!allowed(a, alice, res("get", "", "healthz", "default")), "a non-resource rule grants no resource");
});

test("system:masters is allowed everything; a binding to a missing role denies with kube's reason", () => {
  const a = authorizerWith([
    clusterRoleBinding("dangling", "gone", [{ kind: "User", name: "alice" }]),
    roleBinding("ns", "dangling", "Role", "gone-too", [{ kind: "User", name: "alice" }]),
  ]);
  assert.deepEqual(a.authorize({ name: "admin", groups: ["system:masters"] }, res("delete", "", "nodes", "", "n1")), { allowed: true, reason: "" });
  assert.deepEqual(a.authorize(alice, res("get", "", "pods", "")), { allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found' });
  assert.deepEqual(a.authorize(alice, res("get", "", "pods", "ns")), {
    allowed: false,
    reason: 'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "gone-too" not found]',
  });
});

test("request attributes as kube's request info derives them", () => {
  const attrs = (method: string, p: string) => requestAttributes(method, new URL(`http://x${p}`));
  const brief = (a: RequestAttributes) => (a.kind === "nonResource" ? `${a.verb} path ${a.path}` : `${a.verb} ${a.group}/${a.resource}${a.subresource ? `/${a.subresource}` : ""} ns=${a.namespace} name=${a.name}`);
  const cases: [string, string, string][] = [
    ["GET", "/api/v1/pods", "list /pods ns= name="],
    ["GET", "/api/v1/namespaces/d/pods?watch=true", "watch /pods ns=d name="],
    ["GET", "/api/v1/namespaces/d/pods?watch=1&fieldSelector=metadata.name%3Dp", "watch /pods ns=d name=p"],
    ["GET", "/api/v1/watch/namespaces/d/pods/p", "watch /pods ns=d name=p"],
    ["GET", "/apis/apps/v1/namespaces/d/deployments/web/scale", "get apps/deployments/scale ns=d name=web"],
    ["PUT", "/apis/sluice.dev/v1alpha1/namespaces/d/rollouts/r/status", "update sluice.dev/rollouts/status ns=d name=r"],
    ["PATCH", "/api/v1/namespaces/d/pods/p", "patch /pods ns=d name=p"],
    ["POST", "/api/v1/namespaces/d/serviceaccounts/sa/token", "create /serviceaccounts/token ns=d name=sa"],
    ["DELETE", "/apis/batch/v1/namespaces/d/jobs", "deletecollection batch/jobs ns=d name="],
    ["DELETE", "/apis/batch/v1/namespaces/d/jobs/j", "delete batch/jobs ns=d name=j"],
    ["GET", "/api/v1/namespaces/d", "get /namespaces ns=d name=d"],
    ["PUT", "/api/v1/namespaces/d/finalize", "update /namespaces/finalize ns=d name=d"],
    ["GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/x", "get rbac.authorization.k8s.io/clusterroles ns= name=x"],
    ["GET", "/api", "get path /api"],
    ["GET", "/api/v1", "get path /api/v1"],
    ["GET", "/apis/apps/v1", "get path /apis/apps/v1"],
    ["GET", "/openapi/v3/apis/apps/v1", "get path /openapi/v3/apis/apps/v1"],
    ["POST", "/healthz", "post path /healthz"],
  ];
  for (const [method, p, expected] of cases) assert.equal(brief(attrs(method, p)), expected, `${method} ${p}`);
});
