// HTTP front end: routes discovery/OpenAPI paths and resource URLs (sheet §4.1) to the
// ResourceService, negotiates Tables, streams watches, and applies injected faults.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { AdmissionHook } from "./admission.ts";
import { authGroupDocument, authResourceList, withAuthGroups, withTokenSubresource } from "./auth/auth-discovery.ts";
import type { RbacMode } from "./auth/rbac-mode.ts";
import { ApiError, badRequest, conflict, internalError, methodNotAllowed } from "./errors.ts";
import { CONTROL_PREFIX, handleControl } from "./control-api.ts";
import { coreVersions, groupDocument, groupList, resourceList, versionDocument, type ServerVersion } from "./discovery.ts";
import type { FaultInjector, Verb } from "./faults.ts";
import { decodeBody, listBody, mediaType, readBody, sendError, sendJson, sendJsonText, sendPlainNotFound, serialize, wantsTable, warningHeader } from "./http-util.ts";
import { isObject, type JsonObject } from "../../util/json.ts";
import { groupVersionDocument, openApiRoot } from "./openapi.ts";
import { openApiV2Json, openApiV2Protobuf } from "./openapi-v2.ts";
import type { Registry } from "./registry.ts";
import { apiVersionOf, storageKeyOf, type ResourceType } from "./resource-type.ts";
import type { DeleteOptions, FieldValidation, ListOptions, PatchType, ResourceService, Subresource, WriteOptions } from "./resources.ts";
import { parseIncludeObject, toTable } from "./table.ts";
import type { ServerStats } from "./server-stats.ts";
import { streamWatch } from "./watch-stream.ts";

export interface HttpApiOptions {
  service: ResourceService;
  registry: Registry;
  faults: FaultInjector;
  stats: ServerStats;
  version: ServerVersion;
  logger: Logger;
  bookmarkIntervalMs: number;
  now: () => number;
  /** Host:port published in /api serverAddressByClientCIDRs. */
  serverAddress: () => string;
  /** RBAC mode: authentication, impersonation and authorization in front of every request (else none). */
  rbac?: RbacMode | undefined;
}

interface ResourceRoute {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: Subresource;
}

type Route =
  | { kind: "resource"; route: ResourceRoute }
  | { kind: "json"; body: JsonObject }
  | { kind: "notFound" };

const PATCH_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+cbor": "apply",
};

export class HttpApi {
  private readonly o: HttpApiOptions;

  constructor(options: HttpApiOptions) {
    this.o = options;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.dispatch(req, res).catch((error: unknown) => {
      if (error instanceof ApiError) sendError(res, error);
      else {
        this.o.logger.error({ err: error }, "request failed");
        sendError(res, internalError(error instanceof Error ? error.message : String(error)));
      }
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    this.o.logger.debug({ method, url: url.pathname + url.search }, "request");
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      return handleControl(req, res, url, { faults: this.o.faults, store: this.o.service.store, stats: this.o.stats, accessLog: this.o.rbac?.accessLog });
    }
    let admission: AdmissionHook | undefined;
    if (this.o.rbac) {
      const { user, attrs } = this.o.rbac.admit(req, url);
      if (await this.o.rbac.serveVirtual(req, res, user, attrs)) return;
      admission = this.o.rbac.admissionFor(user);
    }
    const segments = url.pathname.split("/").filter((s) => s !== "").map(decodeURIComponent);
    const route = this.route(segments);
    if (route.kind === "notFound") {
      if (method === "GET" && url.pathname === "/openapi/v2") return this.openApiV2(req, res);
      return sendPlainNotFound(res);
    }
    if (route.kind === "json") {
      if (method !== "GET") return sendPlainNotFound(res);
      return sendJson(res, 200, route.body);
    }
    await this.handleResource(req, res, url, method, route.route, admission);
  }

  private openApiV2(req: IncomingMessage, res: ServerResponse): void {
    const gitVersion = this.o.version.gitVersion;
    if ((req.headers.accept ?? "").includes("protobuf")) {
      const body = openApiV2Protobuf(gitVersion);
      // kube-openapi serves the protobuf body as application/octet-stream; client-go cannot parse
      // the "@v1.0" media type it asks for in Accept.
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
      res.end(body);
      return;
    }
    sendJsonText(res, 200, openApiV2Json(gitVersion));
  }

  private route(segments: string[]): Route {
    const [first, second, third] = segments;
    const { registry } = this.o;
    if (segments.length === 0) return { kind: "json", body: { paths: ["/api", "/api/v1", "/apis", "/openapi/v3", "/version"] } };
    if (first === "version" && segments.length === 1) return { kind: "json", body: versionDocument(this.o.version) };
    if ((first === "healthz" || first === "readyz" || first === "livez") && segments.length <= 2) return { kind: "json", body: { status: "ok" } };
    if (first === "openapi" && second === "v3") return this.openapiRoute(segments.slice(2));
    if (first === "api") {
      if (segments.length === 1) return { kind: "json", body: coreVersions(this.o.serverAddress()) };
      if (second !== "v1") return { kind: "notFound" };
      if (segments.length === 2) {
        const doc = resourceList(registry, "", "v1");
        if (doc && this.o.rbac) return { kind: "json", body: withTokenSubresource(doc) };
        return doc ? { kind: "json", body: doc } : { kind: "notFound" };
      }
      return this.resourceRoute("", "v1", segments.slice(2));
    }
    if (first === "apis") {
      const rbac = this.o.rbac !== undefined;
      if (segments.length === 1) return { kind: "json", body: rbac ? withAuthGroups(groupList(registry)) : groupList(registry) };
      if (second === undefined) return { kind: "notFound" };
      if (segments.length === 2) {
        const doc = groupDocument(registry, second) ?? (rbac ? authGroupDocument(second) : undefined);
        return doc ? { kind: "json", body: doc } : { kind: "notFound" };
      }
      if (third === undefined) return { kind: "notFound" };
      if (segments.length === 3) {
        const doc = resourceList(registry, second, third) ?? (rbac ? authResourceList(second, third) : undefined);
        return doc ? { kind: "json", body: doc } : { kind: "notFound" };
      }
      return this.resourceRoute(second, third, segments.slice(3));
    }
    return { kind: "notFound" };
  }

  private openapiRoute(rest: string[]): Route {
    const gitVersion = this.o.version.gitVersion;
    if (rest.length === 0) return { kind: "json", body: openApiRoot(this.o.registry, gitVersion) };
    let doc: JsonObject | undefined;
    if (rest[0] === "api" && rest.length === 2) doc = groupVersionDocument(this.o.registry, "", rest[1] ?? "", gitVersion);
    if (rest[0] === "apis" && rest.length === 3) doc = groupVersionDocument(this.o.registry, rest[1] ?? "", rest[2] ?? "", gitVersion);
    return doc ? { kind: "json", body: doc } : { kind: "notFound" };
  }

  private resourceRoute(group: string, version: string, rest: string[]): Route {
    let namespace: string | undefined;
    let tail = rest;
    const namespaceSubresource = rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize");
    if (rest[0] === "namespaces" && rest.length >= 3 && !namespaceSubresource) {
      namespace = rest[1];
      tail = rest.slice(2);
    }
    const [plural, name, sub, ...extra] = tail;
    if (plural === undefined || extra.length > 0) return { kind: "notFound" };
    const type = this.o.registry.find(group, version, plural);
    if (!type) return { kind: "notFound" };
    if (namespace !== undefined && !type.namespaced) return { kind: "notFound" };
    if (type.namespaced && namespace === undefined && name !== undefined) return { kind: "notFound" };
    let subresource: Subresource;
    if (sub === "status" && type.statusSubresource) subresource = "status";
    else if (sub === "scale" && type.scale) subresource = "scale";
    else if (sub !== undefined) return { kind: "notFound" };
    return { kind: "resource", route: { type, namespace, name, subresource } };
  }

  private writeOptions(url: URL, admission: AdmissionHook | undefined): WriteOptions {
    const raw = url.searchParams.get("fieldValidation");
    let fieldValidation: FieldValidation = "Warn";
    if (raw === "Strict" || raw === "Warn" || raw === "Ignore") fieldValidation = raw;
    else if (raw !== null && raw !== "") {
      throw new ApiError(422, "Invalid", `fieldValidation: Unsupported value: ${JSON.stringify(raw)}: supported values: "Ignore", "Warn", "Strict"`);
    }
    const dryRun = url.searchParams.getAll("dryRun");
    if (dryRun.some((d) => d !== "All" && d !== "")) throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(dryRun[0])}: supported values: "All"`);
    return { fieldValidation, dryRun: dryRun.includes("All"), warnings: [], ...(admission ? { admission } : {}) };
  }

  private verbOf(method: string, route: ResourceRoute, url: URL): Verb {
    const watch = url.searchParams.get("watch");
    switch (method) {
      case "GET":
        if (route.name !== undefined) return "get";
        return watch === "true" || watch === "1" ? "watch" : "list";
      case "POST":
        return "create";
      case "PUT":
        return "update";
      case "PATCH":
        return "patch";
      case "DELETE":
        return route.name === undefined ? "deletecollection" : "delete";
      default:
        throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    }
  }

  /** "consumed" when an injected fault answered the request, else the delay (ms) to hold it before serving it. */
  private injectFault(res: ServerResponse, verb: Verb, route: ResourceRoute): "consumed" | number {
    const t = route.type;
    const decision = this.o.faults.decide(verb, storageKeyOf(t.group, t.plural));
    if (!decision) return 0;
    const { rule } = decision;
    switch (rule.fault) {
      case "error500":
        sendError(res, internalError("injected fault"));
        return "consumed";
      case "throttle429": {
        const seconds = rule.retryAfterSeconds ?? 1;
        sendError(res, new ApiError(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds: seconds }, { "Retry-After": String(seconds) }));
        return "consumed";
      }
      case "conflict409":
        sendError(res, conflict(t, route.name ?? ""));
        return "consumed";
      case "timeout": {
        const timer = setTimeout(() => res.destroy(), rule.timeoutMs ?? 30_000);
        res.on("close", () => clearTimeout(timer));
        return "consumed";
      }
      case "delay":
        return rule.delayMs ?? 1_000;
    }
  }

  private async handleResource(req: IncomingMessage, res: ServerResponse, url: URL, method: string, route: ResourceRoute, admission: AdmissionHook | undefined): Promise<void> {
    const { service } = this.o;
    const t = route.type;
    const verb = this.verbOf(method, route, url);
    this.o.stats.countRequest(verb, t.plural, route.subresource);
    const fault = this.injectFault(res, verb, route);
    if (fault === "consumed") return;
    if (fault > 0) await new Promise((resolve) => setTimeout(resolve, fault));
    const namespace = route.namespace ?? "";
    const name = route.name ?? "";
    const headers: Record<string, string | string[]> = {};
    const warnings: string[] = [];
    if (t.deprecationWarning) warnings.push(t.deprecationWarning);
    const finish = (code: number, body: JsonObject, opts?: WriteOptions): void => {
      const all = [...warnings, ...(opts?.warnings ?? [])];
      if (all.length) headers["Warning"] = [...new Set(all)].map(warningHeader);
      sendJsonText(res, code, serialize(body), headers);
    };
    const contentType = mediaType(req.headers["content-type"]);

    try {
      switch (verb) {
        case "get": {
          const obj = route.subresource === "scale" ? service.getScale(t, namespace, name) : service.get(t, namespace, name);
          if (wantsTable(req.headers.accept) && route.subresource !== "scale") {
            const includeObject = parseIncludeObject(url.searchParams.get("includeObject"));
            const meta = obj["metadata"];
            const rv = isObject(meta) && typeof meta["resourceVersion"] === "string" ? meta["resourceVersion"] : undefined;
            return finish(200, toTable(t, [obj], { includeObject, now: this.o.now(), ...(rv !== undefined ? { resourceVersion: rv } : {}) }));
          }
          return finish(200, obj);
        }
        case "list": {
          const listOptions = this.listOptions(url);
          if (url.searchParams.get("sendInitialEvents") !== null) {
            throw new ApiError(422, "Invalid", `ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list`);
          }
          const limit = url.searchParams.get("limit");
          const cont = url.searchParams.get("continue");
          if (limit !== null && limit !== "") listOptions.limit = Number(limit);
          if (cont !== null && cont !== "") listOptions.continue = cont;
          const result = service.list(t, route.namespace, listOptions);
          const listMeta: JsonObject = { resourceVersion: result.resourceVersion };
          if (result.continue !== undefined) listMeta["continue"] = result.continue;
          if (result.remainingItemCount !== undefined) listMeta["remainingItemCount"] = result.remainingItemCount;
          if (wantsTable(req.headers.accept)) {
            const includeObject = parseIncludeObject(url.searchParams.get("includeObject"));
            const table = toTable(t, result.items, { includeObject, now: this.o.now(), resourceVersion: result.resourceVersion });
            table["metadata"] = listMeta;
            return finish(200, table);
          }
          const all = [...warnings];
          if (all.length) headers["Warning"] = all.map(warningHeader);
          return sendJsonText(res, 200, listBody(apiVersionOf(t), t.listKind, listMeta, result.items), headers);
        }
        case "watch":
          return this.watch(req, res, url, route);
        case "create": {
          if (route.subresource !== undefined) throw methodNotAllowed("create", t);
          const opts = this.writeOptions(url, admission);
          const body = decodeBody(await readBody(req), contentType);
          const result = service.create(t, namespace, body, opts);
          return finish(201, result.object, opts);
        }
        case "update": {
          const opts = this.writeOptions(url, admission);
          const body = decodeBody(await readBody(req), contentType);
          const result = service.update(t, namespace, name, body, route.subresource, opts);
          return finish(result.created ? 201 : 200, result.object, opts);
        }
        case "patch": {
          const patchType = PATCH_TYPES[contentType];
          const accepted = ["application/json-patch+json", "application/merge-patch+json", ...(t.strategicMerge ? ["application/strategic-merge-patch+json"] : []), "application/apply-patch+yaml"];
          if (!patchType) {
            throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`);
          }
          const opts = this.writeOptions(url, admission);
          if (url.searchParams.get("force") !== null && patchType !== "apply") {
            throw new ApiError(422, "Invalid", `PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch`);
          }
          const body = decodeBody(await readBody(req), contentType);
          const fieldManager = url.searchParams.get("fieldManager");
          const force = url.searchParams.get("force");
          const apply = { force: force === "true", ...(fieldManager ? { fieldManager } : {}) };
          const result = service.patch(t, namespace, name, patchType, body, route.subresource, opts, apply);
          return finish(result.created ? 201 : 200, result.object, opts);
        }
        case "delete": {
          if (route.subresource !== undefined) throw methodNotAllowed("delete", t);
          const options = this.deleteOptions(url, decodeBody(await readBody(req), contentType));
          return finish(200, service.delete(t, namespace, name, options));
        }
        case "deletecollection": {
          const options = this.deleteOptions(url, decodeBody(await readBody(req), contentType));
          return finish(200, service.deleteCollection(t, route.namespace, this.listOptions(url), options));
        }
      }
    } catch (error) {
      if (error instanceof ApiError) {
        const all = [...warnings];
        if (all.length) headers["Warning"] = all.map(warningHeader);
        return sendError(res, error, headers);
      }
      throw error;
    }
  }

  private listOptions(url: URL): ListOptions {
    const out: ListOptions = {};
    const labelSelector = url.searchParams.get("labelSelector");
    const fieldSelector = url.searchParams.get("fieldSelector");
    if (labelSelector !== null) out.labelSelector = labelSelector;
    if (fieldSelector !== null) out.fieldSelector = fieldSelector;
    return out;
  }

  private deleteOptions(url: URL, body: unknown): DeleteOptions {
    const options: DeleteOptions = {};
    const source: Record<string, unknown> = isObject(body) ? { ...body } : {};
    for (const key of ["propagationPolicy", "orphanDependents", "dryRun", "gracePeriodSeconds"]) {
      const q = url.searchParams.get(key);
      if (q !== null && source[key] === undefined) source[key] = key === "orphanDependents" ? q === "true" : key === "dryRun" ? [q] : q;
    }
    const policy = source["propagationPolicy"];
    if (policy !== undefined && policy !== null) {
      if (policy !== "Orphan" && policy !== "Background" && policy !== "Foreground") {
        throw new ApiError(422, "Invalid", `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"`);
      }
      options.propagationPolicy = policy;
    }
    if (typeof source["orphanDependents"] === "boolean") options.orphanDependents = source["orphanDependents"];
    const dryRun = source["dryRun"];
    if (Array.isArray(dryRun) && dryRun.includes("All")) options.dryRun = true;
    const pre = source["preconditions"];
    if (isObject(pre)) {
      options.preconditions = {};
      if (typeof pre["uid"] === "string") options.preconditions.uid = pre["uid"];
      if (typeof pre["resourceVersion"] === "string") options.preconditions.resourceVersion = pre["resourceVersion"];
    }
    return options;
  }

  private watch(req: IncomingMessage, res: ServerResponse, url: URL, route: ResourceRoute): void {
    const timeoutParam = url.searchParams.get("timeoutSeconds");
    const timeoutSeconds = timeoutParam === null ? undefined : Number(timeoutParam);
    const rv = url.searchParams.get("resourceVersion");
    const table = wantsTable(req.headers.accept);
    const bookmarks = url.searchParams.get("allowWatchBookmarks") === "true" || url.searchParams.get("allowWatchBookmarks") === "1";
    const sendInitialEvents = url.searchParams.get("sendInitialEvents");
    const rvMatch = url.searchParams.get("resourceVersionMatch");
    // Watch-list (sheet §8.4) validation, as apimachinery's ValidateListOptions.
    const invalidOptions = (field: string, detail: string): ApiError =>
      new ApiError(422, "Invalid", `ListOptions.meta.k8s.io "" is invalid: ${field}: Forbidden: ${detail}`, {
        group: "meta.k8s.io", kind: "ListOptions", causes: [{ reason: "FieldValueForbidden", message: `Forbidden: ${detail}`, field }],
      });
    if (sendInitialEvents !== null) {
      if (rvMatch !== "NotOlderThan") throw invalidOptions("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
      if (!bookmarks) throw invalidOptions("allowWatchBookmarks", "sendInitialEvents requires setting allowWatchBookmarks to true");
    } else if (rvMatch !== null && rvMatch !== "") {
      throw invalidOptions("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
    }
    const initialEvents = sendInitialEvents === "true";
    streamWatch({
      res,
      service: this.o.service,
      type: route.type,
      namespace: route.namespace,
      // With sendInitialEvents=true the current state comes first whatever the resourceVersion.
      options: { ...this.listOptions(url), ...(rv !== null && !initialEvents ? { resourceVersion: rv } : {}) },
      initialEventsEndBookmark: initialEvents,
      table: table ? { includeObject: parseIncludeObject(url.searchParams.get("includeObject")) } : undefined,
      bookmarks,
      bookmarkIntervalMs: this.o.bookmarkIntervalMs,
      timeoutSeconds: timeoutSeconds !== undefined && Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds : undefined,
      faults: this.o.faults,
      stats: this.o.stats,
      now: this.o.now,
    });
  }
}
