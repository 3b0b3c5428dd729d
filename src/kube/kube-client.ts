/**
 * The Kubernetes calls sluice makes, over @kubernetes/client-node. Small on purpose: the controller, the
 * routers and the CLI all go through it, so it is the one place that knows about 404 = "absent",
 * 409 = "someone else changed it", patch content types, and the status subresource.
 */
import {
  ApiException,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from "@kubernetes/client-node";
import type { RouterKubeClient } from "../routers/types.ts";
import type { KubeObject, ObjectRef } from "./kube-object.ts";

export type { KubeObject, ObjectRef };

/** Someone else changed the object since we read it (409 Conflict); re-read and decide again. */
export class ConflictError extends Error {
  constructor(what: string, detail: string) {
    super(`${what} changed while sluice was updating it (${detail}); will retry from a fresh read`);
    this.name = "ConflictError";
  }
}

export class KubeRequestError extends Error {
  readonly status: number;
  constructor(what: string, status: number, detail: string) {
    super(`${what}: ${status === 0 ? "request failed" : `HTTP ${status}`}: ${detail}`);
    this.name = "KubeRequestError";
    this.status = status;
  }
}

export type RequestObserver = (verb: string, kind: string, code: number) => void;

export interface KubeClient extends RouterKubeClient {
  list(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<KubeObject[]>;
  /** JSON merge patch; with metadata.resourceVersion in the patch the write is conditional. */
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
  /** Replace the status subresource of one of our objects, conditional on its resourceVersion. */
  replaceStatus(object: KubeObject, plural: string): Promise<KubeObject>;
  delete(ref: ObjectRef, propagationPolicy?: "Background" | "Foreground" | "Orphan"): Promise<void>;
}

/**
 * client-node deserialises responses into its model classes, turning timestamps into Date objects. sluice
 * works on plain JSON as the API server sends it, so results go back to that form (RFC 3339 strings).
 */
export function toPlainObject<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      return raw instanceof Date ? raw.toISOString().replace(/\.000Z$/, "Z") : v;
    }),
  ) as T;
}

/** "Kind namespace/name", as every request error names its object. */
export function describe(ref: { kind: string; namespace?: string | undefined; name: string }): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

/** The message of a failed response's Status body; its first 300 characters when it is not JSON; undefined for JSON without one. */
export function statusBodyMessage(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    return typeof parsed.message === "string" ? parsed.message : undefined;
  } catch {
    return text.slice(0, 300);
  }
}

/** What the API server said in a failed response's Status (its message), else the exception's first line. */
export function bodyMessage(error: ApiException<unknown>): string {
  const body = error.body;
  if (typeof body === "string") {
    const message = statusBodyMessage(body);
    if (message !== undefined) return message;
  }
  if (typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string") return (body as { message: string }).message;
  return error.message.split("\n")[0] ?? error.message;
}

export class ClientNodeKube implements KubeClient {
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;
  private readonly observe: RequestObserver | undefined;

  constructor(kc: KubeConfig, observe?: RequestObserver) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.observe = observe;
  }

  /** Run one request; turn client-node's ApiException into absent / ConflictError / KubeRequestError. */
  private async call<T>(verb: string, ref: { kind: string; namespace?: string | undefined; name: string }, run: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await run();
      this.observe?.(verb, ref.kind, 200);
      return result === undefined || result === null ? result : toPlainObject(result);
    } catch (error) {
      if (error instanceof ApiException) {
        this.observe?.(verb, ref.kind, error.code);
        if (error.code === 404 && verb === "get") return undefined;
        if (error.code === 409) throw new ConflictError(describe(ref), bodyMessage(error));
        throw new KubeRequestError(`${verb} ${describe(ref)}`, error.code, bodyMessage(error));
      }
      this.observe?.(verb, ref.kind, 0);
      throw new KubeRequestError(`${verb} ${describe(ref)}`, 0, error instanceof Error ? error.message : String(error));
    }
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const header = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } };
    return (await this.call("get", ref, () => this.objects.read(header))) as KubeObject | undefined;
  }

  async list(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    const list = await this.call("list", { kind, namespace, name: "*" }, () =>
      this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector),
    );
    // List items come without apiVersion/kind on the wire; put them back so callers can treat them as objects.
    return (list?.items ?? []).map((item: KubernetesObject) => ({ ...item, apiVersion, kind }) as KubeObject);
  }

  async create(object: KubeObject): Promise<KubeObject> {
    return (await this.call("create", { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name }, () =>
      this.objects.create(object),
    )) as KubeObject;
  }

  async replace(object: KubeObject): Promise<KubeObject> {
    return (await this.call("update", { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name }, () =>
      this.objects.replace(object),
    )) as KubeObject;
  }

  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    const metadata = { ...((patch.metadata as Record<string, unknown> | undefined) ?? {}), name: ref.name, namespace: ref.namespace };
    const body = { ...patch, apiVersion: ref.apiVersion, kind: ref.kind, metadata };
    return (await this.call("patch", ref, () =>
      this.objects.patch(body, undefined, undefined, "sluice", undefined, PatchStrategy.MergePatch),
    )) as KubeObject;
  }

  async replaceStatus(object: KubeObject, plural: string): Promise<KubeObject> {
    const [group = "", version = ""] = object.apiVersion.split("/");
    // Reported as kind "Rollout/status": a different permission (the status subresource) than the object.
    const ref = { kind: `${object.kind}/status`, namespace: object.metadata.namespace, name: object.metadata.name };
    return (await this.call("update", ref, () =>
      this.custom.replaceNamespacedCustomObjectStatus(
        { group, version, namespace: object.metadata.namespace ?? "default", plural, name: object.metadata.name, body: object, fieldManager: "sluice" },
      ),
    )) as KubeObject;
  }

  async delete(ref: ObjectRef, propagationPolicy: "Background" | "Foreground" | "Orphan" = "Background"): Promise<void> {
    const header = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } };
    try {
      await this.call("delete", ref, () => this.objects.delete(header, undefined, undefined, undefined, undefined, propagationPolicy));
    } catch (error) {
      if (error instanceof KubeRequestError && error.status === 404) return; // already gone: what we wanted
      throw error;
    }
  }
}
