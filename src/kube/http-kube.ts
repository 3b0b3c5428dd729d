/**
 * The controller's KubeClient: plain JSON over undici's request API on the shared connection pool.
 *
 * Why not client-node's generated clients on the hot path: CPU profiles of the controller under load
 * (bench/scale.ts, bench/reaction.ts) put 13% of its time in client-node's ObjectSerializer (JSON into model
 * classes with Date fields), 5% in turning those back into plain JSON (toPlainObject), and more in its
 * middleware and promise chain; and each reconcile's garbage from that is most of the heap headroom RSS pays
 * for. sluice works on JSON as the API server sends it, so this client sends and keeps exactly that.
 * Authentication still comes from client-node (KubeConfig.applySecurityAuthentication: tokens, client
 * certificates, exec plugins), per request, so rotating credentials keep working.
 *
 * Resource paths come from API discovery (GET /api/v1, /apis/GROUP/VERSION), cached per group version and
 * fetched again when a kind is not in it (a CRD installed since).
 */
import { HttpMethod, RequestContext, type KubeConfig } from "@kubernetes/client-node";
import { getGlobalDispatcher, type Dispatcher } from "undici";
import { withSharedConnections } from "./shared-connections.ts";
import { ConflictError, describe, KubeRequestError, statusBodyMessage, type KubeClient, type RequestObserver } from "./kube-client.ts";
import type { KubeObject, ObjectRef } from "./kube-object.ts";

type Resource = { plural: string; namespaced: boolean };
type Verb = "get" | "list" | "create" | "update" | "patch" | "delete";

/** The message of a failed response's Status, else the start of its body. */
const statusMessage = (text: string): string => statusBodyMessage(text) ?? text.slice(0, 300);

export class HttpKube implements KubeClient {
  private readonly kc: KubeConfig;
  private readonly observe: RequestObserver | undefined;
  private readonly discovered = new Map<string, Promise<Map<string, Resource>>>();

  constructor(kc: KubeConfig, observe?: RequestObserver) {
    // Shared connections for every user of this client, not only the controller: client-node hands out a new
    // Agent (so a new connection, kept open) per request, and a client of 10,000 writes ran out of file handles.
    this.kc = withSharedConnections(kc);
    this.observe = observe;
  }

  /** One request; the parsed JSON body on 2xx, `undefined` for a 404 when `absentOk`. */
  private async send(verb: Verb, what: { kind: string; namespace?: string | undefined; name: string; metricKind?: string }, method: string, path: string, body?: unknown, contentType = "application/json", absentOk = false): Promise<unknown> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new KubeRequestError(`${verb} ${describe(what)}`, 0, "the kubeconfig names no cluster server");
    const url = new URL(path, server);
    const ctx = new RequestContext(url.toString(), method === "GET" ? HttpMethod.GET : HttpMethod.POST);
    await this.kc.applySecurityAuthentication(ctx);
    const dispatcher: Dispatcher = (ctx.getDispatcher() as Dispatcher | undefined) ?? getGlobalDispatcher();
    const headers: Record<string, string> = { ...ctx.getHeaders(), accept: "application/json" };
    if (body !== undefined) headers["content-type"] = contentType;
    let response: Dispatcher.ResponseData;
    try {
      response = await dispatcher.request({ origin: url.origin, path: url.pathname + url.search, method: method as Dispatcher.HttpMethod, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (error) {
      this.observe?.(verb, what.metricKind ?? what.kind, 0);
      throw new KubeRequestError(`${verb} ${describe(what)}`, 0, error instanceof Error ? error.message : String(error));
    }
    const code = response.statusCode;
    this.observe?.(verb, what.metricKind ?? what.kind, code);
    if (code >= 200 && code < 300) return response.body.json();
    const text = await response.body.text();
    if (code === 404 && absentOk) return undefined;
    if (code === 409) throw new ConflictError(describe(what), statusMessage(text));
    throw new KubeRequestError(`${verb} ${describe(what)}`, code, statusMessage(text));
  }

  /** `kind`: what the caller is after, for the message should discovery fail ("get Rollout (discovery of ...)"). */
  private discovery(apiVersion: string, kind: string, refresh: boolean): Promise<Map<string, Resource>> {
    const cached = this.discovered.get(apiVersion);
    if (cached && !refresh) return cached;
    const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const loading = (async () => {
      const list = (await this.send("get", { kind, name: `(discovery of ${apiVersion})`, metricKind: "APIResourceList" }, "GET", path)) as { resources?: { name: string; kind: string; namespaced: boolean }[] };
      // Subresources ("rollouts/status") share the kind; the resource itself has no slash.
      return new Map((list.resources ?? []).filter((r) => !r.name.includes("/")).map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced }]));
    })();
    this.discovered.set(apiVersion, loading);
    loading.catch(() => this.discovered.delete(apiVersion));
    return loading;
  }

  private async resource(apiVersion: string, kind: string): Promise<Resource> {
    const found = (await this.discovery(apiVersion, kind, false)).get(kind) ?? (await this.discovery(apiVersion, kind, true)).get(kind);
    if (!found) throw new KubeRequestError(`find ${kind}`, 404, `the API server serves no kind ${kind} in ${apiVersion} (is its CRD installed?)`);
    return found;
  }

  /** /apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME][/SUBRESOURCE] */
  private async path(apiVersion: string, kind: string, namespace: string | undefined, name?: string, subresource?: string): Promise<string> {
    const r = await this.resource(apiVersion, kind);
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = r.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? "default")}` : "";
    return `${base}${ns}/${r.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ""}${subresource ? `/${subresource}` : ""}`;
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const path = await this.path(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    return (await this.send("get", ref, "GET", path, undefined, undefined, true)) as KubeObject | undefined;
  }

  async list(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    const path = await this.path(apiVersion, kind, namespace);
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
    const list = (await this.send("list", { kind, namespace, name: "*" }, "GET", path + query)) as { items?: KubeObject[] };
    // List items come without apiVersion/kind on the wire; put them back so callers can treat them as objects.
    return (list.items ?? []).map((item) => ({ ...item, apiVersion, kind }));
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const path = await this.path(object.apiVersion, object.kind, object.metadata.namespace);
    return (await this.send("create", { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name }, "POST", `${path}?fieldManager=sluice`, object)) as KubeObject;
  }

  async replace(object: KubeObject): Promise<KubeObject> {
    const path = await this.path(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name);
    return (await this.send("update", { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name }, "PUT", `${path}?fieldManager=sluice`, object)) as KubeObject;
  }

  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    const path = await this.path(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    return (await this.send("patch", ref, "PATCH", `${path}?fieldManager=sluice`, patch, "application/merge-patch+json")) as KubeObject;
  }

  async replaceStatus(object: KubeObject, _plural: string): Promise<KubeObject> {
    const path = await this.path(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name, "status");
    // Reported as kind "Rollout/status": a different permission (the status subresource) than the object.
    const what = { kind: `${object.kind}/status`, namespace: object.metadata.namespace, name: object.metadata.name };
    return (await this.send("update", what, "PUT", `${path}?fieldManager=sluice`, object)) as KubeObject;
  }

  async delete(ref: ObjectRef, propagationPolicy: "Background" | "Foreground" | "Orphan" = "Background"): Promise<void> {
    const path = await this.path(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    try {
      await this.send("delete", ref, "DELETE", path, { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy });
    } catch (error) {
      if (error instanceof KubeRequestError && error.status === 404) return; // already gone: what we wanted
      throw error;
    }
  }
}
