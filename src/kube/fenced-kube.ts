/**
 * Fencing for writes. A controller that lost the Lease (or is shutting down) may still have reconciles in
 * flight: one waiting on a slow router call would otherwise go on to write traffic weights and status after a
 * standby took over, two leaders writing at once. Every write the controller makes (Rollout status, ReplicaSets,
 * Services, router objects, Events, AnalysisRuns) goes through this client, which asks its guard immediately
 * before sending. Reads pass through; a request already sent completes (it cannot be recalled).
 */
import { describe, type KubeClient, type KubeObject, type ObjectRef } from "./kube-client.ts";

/** Why this process may no longer write, or undefined while it may. */
export type WriteGuard = () => string | undefined;

/** A write refused by the guard: the reconcile stops here; it is not a failure to retry. */
export class FencedError extends Error {
  readonly reason: string;
  constructor(what: string, reason: string) {
    super(`not sent: ${what} (${reason})`);
    this.name = "FencedError";
    this.reason = reason;
  }
}


export class FencedKube implements KubeClient {
  private readonly inner: KubeClient;
  private readonly guard: WriteGuard;

  constructor(inner: KubeClient, guard: WriteGuard) {
    this.inner = inner;
    this.guard = guard;
  }

  private check(verb: string, kind: string, namespace: string | undefined, name: string): void {
    const reason = this.guard();
    if (reason !== undefined) throw new FencedError(`${verb} ${describe({ kind, namespace, name })}`, reason);
  }

  get(ref: ObjectRef): Promise<KubeObject | undefined> {
    return this.inner.get(ref);
  }

  list(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    return this.inner.list(apiVersion, kind, namespace, labelSelector);
  }

  async create(object: KubeObject): Promise<KubeObject> {
    this.check("create", object.kind, object.metadata.namespace, object.metadata.name);
    return this.inner.create(object);
  }

  async replace(object: KubeObject): Promise<KubeObject> {
    this.check("update", object.kind, object.metadata.namespace, object.metadata.name);
    return this.inner.replace(object);
  }

  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    this.check("patch", ref.kind, ref.namespace, ref.name);
    return this.inner.mergePatch(ref, patch);
  }

  async replaceStatus(object: KubeObject, plural: string): Promise<KubeObject> {
    this.check("update", `${object.kind}/status`, object.metadata.namespace, object.metadata.name);
    return this.inner.replaceStatus(object, plural);
  }

  async delete(ref: ObjectRef, propagationPolicy?: "Background" | "Foreground" | "Orphan"): Promise<void> {
    this.check("delete", ref.kind, ref.namespace, ref.name);
    return this.inner.delete(ref, propagationPolicy);
  }
}
