// The Status errors of authentication and authorization, worded as kube-apiserver words them
// (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go and apimachinery's NewForbidden).
import { ApiError } from "../errors.ts";
import { combinedResource, type RequestAttributes } from "./request-attributes.ts";

/** 401 for a bearer token the server does not know (or one whose ServiceAccount is gone, or that expired). */
export function unauthorized(): ApiError {
  return new ApiError(401, "Unauthorized", "Unauthorized");
}

/** `User "u" cannot VERB resource "R[/SUB]" in API group "G" in the namespace "NS"` (or at the cluster scope, or path "P"). */
export function forbiddenMessage(username: string, attrs: RequestAttributes): string {
  if (attrs.kind === "nonResource") return `User "${username}" cannot ${attrs.verb} path "${attrs.path}"`;
  const what = `User "${username}" cannot ${attrs.verb} resource "${combinedResource(attrs)}" in API group "${attrs.group}"`;
  return attrs.namespace !== "" ? `${what} in the namespace "${attrs.namespace}"` : `${what} at the cluster scope`;
}

/**
 * NewForbidden(groupResource, name, cause): `pods "x" is forbidden: <cause>`, `pods is forbidden: <cause>` without a
 * name, `forbidden: <cause>` for a non-resource path.
 */
export function forbiddenError(attrs: RequestAttributes, cause: string): ApiError {
  if (attrs.kind === "nonResource") return new ApiError(403, "Forbidden", `forbidden: ${cause}`, {});
  const gr = attrs.group === "" ? attrs.resource : `${attrs.resource}.${attrs.group}`;
  const prefix = attrs.name === "" ? `${gr} is forbidden` : `${gr} "${attrs.name}" is forbidden`;
  return new ApiError(403, "Forbidden", `${prefix}: ${cause}`, {
    ...(attrs.name !== "" ? { name: attrs.name } : {}),
    ...(attrs.group !== "" ? { group: attrs.group } : {}),
    kind: attrs.resource,
  });
}

/** What the server answers a request RBAC does not allow. */
export function requestForbidden(username: string, attrs: RequestAttributes, reason: string): ApiError {
  const message = forbiddenMessage(username, attrs);
  return forbiddenError(attrs, reason === "" ? message : `${message}: ${reason}`);
}
