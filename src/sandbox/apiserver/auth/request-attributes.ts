// What a request asks to do, as kube-apiserver's RequestInfoFactory (k8s.io/apiserver/pkg/endpoints/request/
// requestinfo.go) derives it from the method and path: a resource request (verb, API group, resource,
// subresource, namespace, name) or a non-resource one (verb, path).

export interface ResourceAttributes {
  kind: "resource";
  verb: string;
  group: string;
  version: string;
  resource: string;
  /** "" when none. */
  subresource: string;
  /** "" for cluster-scoped requests. */
  namespace: string;
  /** "" when the request names no object. */
  name: string;
}

export interface NonResourceAttributes {
  kind: "nonResource";
  verb: string;
  path: string;
}

export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

const API_PREFIXES = new Set(["api", "apis"]);
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);
const METHOD_VERBS: Record<string, string> = { POST: "create", GET: "get", HEAD: "get", PUT: "update", PATCH: "patch", DELETE: "delete" };

/** `resource` or `resource/subresource`: how RBAC rules name what a request touches. */
export function combinedResource(attrs: { resource: string; subresource: string }): string {
  return attrs.subresource === "" ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
}

function isTrue(value: string | null): boolean {
  return value === "true" || value === "1";
}

/** The name a `fieldSelector=metadata.name=X` list or watch narrows to (informers on one object), else "". */
function nameFromFieldSelector(selector: string | null): string {
  if (!selector) return "";
  const terms = selector.split(",");
  if (terms.length !== 1) return "";
  const match = /^metadata\.name(?:==?)(.+)$/.exec(terms[0]?.trim() ?? "");
  const name = match?.[1] ?? "";
  return name !== "" && !name.includes("/") && name !== "." && name !== ".." ? name : "";
}

export function requestAttributes(method: string, url: URL): RequestAttributes {
  const path = url.pathname;
  const nonResource: NonResourceAttributes = { kind: "nonResource", verb: method.toLowerCase(), path };
  let parts = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
  if (parts.length < 3 || !API_PREFIXES.has(parts[0] ?? "")) return nonResource;
  const prefix = parts[0];
  parts = parts.slice(1);
  let group = "";
  if (prefix === "apis") {
    if (parts.length < 3) return nonResource;
    group = parts[0] ?? "";
    parts = parts.slice(1);
  }
  const version = parts[0] ?? "";
  parts = parts.slice(1);

  let verb = METHOD_VERBS[method] ?? method.toLowerCase();
  if (parts[0] === "watch") {
    if (verb === "get") verb = "watch";
    parts = parts.slice(1);
  }
  let namespace = "";
  if (parts[0] === "namespaces") {
    if (parts.length > 1) {
      namespace = parts[1] ?? "";
      // /namespaces/NS/RESOURCE/... is a resource of its own unless it is a namespace subresource.
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] ?? "")) parts = parts.slice(2);
    }
  }
  const resource = parts[0] ?? "";
  let name = parts[1] ?? "";
  const subresource = parts.length >= 3 ? (parts[2] ?? "") : "";

  if (name === "" && verb === "get") {
    verb = isTrue(url.searchParams.get("watch")) ? "watch" : "list";
    name = nameFromFieldSelector(url.searchParams.get("fieldSelector"));
  }
  if (name === "" && verb === "delete") verb = "deletecollection";
  return { kind: "resource", verb, group, version, resource, subresource, namespace, name };
}
