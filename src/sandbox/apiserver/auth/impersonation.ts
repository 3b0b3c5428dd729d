// Impersonation headers (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): Impersonate-User,
// Impersonate-Group, Impersonate-Uid and Impersonate-Extra-KEY. Each is allowed only when the requester may
// `impersonate` it (users, groups, serviceaccounts in their namespace, authentication.k8s.io uids and
// userextras/KEY); the request then runs as the impersonated user.
import { ApiError } from "../errors.ts";
import { requestForbidden } from "./auth-errors.ts";
import type { Decision } from "./rbac-authorizer.ts";
import type { ResourceAttributes } from "./request-attributes.ts";
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, serviceAccountGroups, serviceAccountUsername, splitServiceAccountUsername, type UserInfo } from "./user-info.ts";

const EXTRA_PREFIX = "impersonate-extra-";

type Check = (user: UserInfo, attrs: ResourceAttributes) => Decision;

function impersonate(resource: string, name: string, extra: Partial<ResourceAttributes> = {}): ResourceAttributes {
  return { kind: "resource", verb: "impersonate", group: "", version: "", resource, subresource: "", namespace: "", name, ...extra };
}

/** The user the request runs as: `requester` itself without impersonation headers, else the impersonated one. */
export function impersonatedUser(requester: UserInfo, headers: NodeJS.Dict<string[]>, check: Check): UserInfo {
  const username = headers["impersonate-user"]?.[0] ?? "";
  const groups = headers["impersonate-group"] ?? [];
  const uid = headers["impersonate-uid"]?.[0] ?? "";
  const extras = Object.entries(headers).filter(([key]) => key.startsWith(EXTRA_PREFIX));
  if (username === "") {
    if (groups.length > 0 || uid !== "" || extras.length > 0) {
      throw new ApiError(500, "InternalError", "Internal error occurred: requested Impersonate-Group, Impersonate-Uid or Impersonate-Extra-* without impersonating a user (add Impersonate-User)");
    }
    return requester;
  }
  const requests: ResourceAttributes[] = [];
  const sa = splitServiceAccountUsername(username);
  let resultGroups: string[] = [];
  if (sa) {
    requests.push(impersonate("serviceaccounts", sa.name, { namespace: sa.namespace }));
    if (groups.length === 0) resultGroups = serviceAccountGroups(sa.namespace);
  } else {
    requests.push(impersonate("users", username));
  }
  for (const group of groups) requests.push(impersonate("groups", group));
  resultGroups.push(...groups);
  const extra: Record<string, string[]> = {};
  for (const [header, values] of extras) {
    const key = decodeURIComponent(header.slice(EXTRA_PREFIX.length)).toLowerCase();
    for (const value of values ?? []) {
      requests.push(impersonate("userextras", value, { group: "authentication.k8s.io", subresource: key }));
      (extra[key] ??= []).push(value);
    }
  }
  if (uid !== "") requests.push(impersonate("uids", uid, { group: "authentication.k8s.io" }));
  for (const attrs of requests) {
    const decision = check(requester, attrs);
    if (!decision.allowed) throw requestForbidden(requester.name, attrs, decision.reason);
  }
  if (username !== ANONYMOUS && !resultGroups.some((g) => g === ALL_AUTHENTICATED || g === ALL_UNAUTHENTICATED)) resultGroups.push(ALL_AUTHENTICATED);
  return {
    name: sa ? serviceAccountUsername(sa.namespace, sa.name) : username,
    groups: resultGroups,
    ...(uid !== "" ? { uid } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}
