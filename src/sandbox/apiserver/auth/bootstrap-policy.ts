// The default ClusterRoles and ClusterRoleBindings RBAC mode creates at start-up, as kube-apiserver's bootstrap
// policy does (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): discovery and version for every authenticated
// user, health and version for anyone, the self-reviews `kubectl auth can-i` and `kubectl auth whoami` send, and
// cluster-admin for system:masters.
import type { JsonObject } from "../../../util/json.ts";

const RBAC = "rbac.authorization.k8s.io/v1";
const BOOTSTRAP_LABELS = { "kubernetes.io/bootstrapping": "rbac-defaults" };

function clusterRole(name: string, rules: JsonObject[]): JsonObject {
  return { apiVersion: RBAC, kind: "ClusterRole", metadata: { name, labels: BOOTSTRAP_LABELS, annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" } }, rules };
}

function clusterRoleBinding(name: string, role: string, groups: string[]): JsonObject {
  return {
    apiVersion: RBAC,
    kind: "ClusterRoleBinding",
    metadata: { name, labels: BOOTSTRAP_LABELS, annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: groups.map((g) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: g })),
  };
}

export function bootstrapPolicy(): JsonObject[] {
  return [
    clusterRole("cluster-admin", [
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      { nonResourceURLs: ["*"], verbs: ["*"] },
    ]),
    clusterRoleBinding("cluster-admin", "cluster-admin", ["system:masters"]),
    clusterRole("system:discovery", [
      { nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], verbs: ["get"] },
    ]),
    clusterRoleBinding("system:discovery", "system:discovery", ["system:authenticated"]),
    clusterRole("system:public-info-viewer", [{ nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"], verbs: ["get"] }]),
    clusterRoleBinding("system:public-info-viewer", "system:public-info-viewer", ["system:authenticated", "system:unauthenticated"]),
    clusterRole("system:basic-user", [
      { apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], verbs: ["create"] },
      { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] },
    ]),
    clusterRoleBinding("system:basic-user", "system:basic-user", ["system:authenticated"]),
  ];
}
