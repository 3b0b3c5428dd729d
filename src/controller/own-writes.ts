/**
 * Read your own writes. ReplicaSets, Services and AnalysisRuns come from informer caches, which can lag the
 * API server by a watch event or many under load. A reconcile that acted on a lagging cache could undo its own
 * last write (pin a Service back) or scale down pods that a Service it just moved now selects. So each
 * reconcile records the versions it wrote, and before it returns the controller waits (bounded) until the
 * caches show them: the next reconcile, of this Rollout or any other, never decides on a state older than
 * its own writes. Scale-downs also carry a resourceVersion precondition, for what the wait cannot cover
 * (someone else's change, a wait that timed out).
 */
import type { KubeClient, KubeObject, ObjectRef } from "../kube/kube-client.ts";
import type { WatchedKind } from "./cluster-view.ts";

/** An object as this reconcile left it: at `resourceVersion`, or deleted (undefined). */
export type OwnWrite = { kind: WatchedKind; namespace: string; name: string; resourceVersion: string | undefined };

const CACHED: ReadonlySet<string> = new Set<WatchedKind>(["ReplicaSet", "Service", "AnalysisRun", "Deployment"]);

/** A client that notes every write to a cached kind into `writes` (reads and other kinds pass through). */
export function recordingKube(inner: KubeClient, writes: OwnWrite[]): KubeClient {
  const note = (kind: string, namespace: string | undefined, name: string, resourceVersion: string | undefined) => {
    if (!CACHED.has(kind)) return;
    const at = writes.findIndex((w) => w.kind === kind && w.namespace === (namespace ?? "default") && w.name === name);
    const write: OwnWrite = { kind: kind as WatchedKind, namespace: namespace ?? "default", name, resourceVersion };
    if (at >= 0) writes[at] = write; // the latest write to an object is the one to wait for
    else writes.push(write);
  };
  const noted = (obj: KubeObject) => {
    note(obj.kind, obj.metadata.namespace, obj.metadata.name, obj.metadata.resourceVersion as string | undefined);
    return obj;
  };
  return {
    get: (ref: ObjectRef) => inner.get(ref),
    list: (apiVersion: string, kind: string, namespace: string, labelSelector?: string) => inner.list(apiVersion, kind, namespace, labelSelector),
    create: async (object: KubeObject) => noted(await inner.create(object)),
    replace: async (object: KubeObject) => noted(await inner.replace(object)),
    mergePatch: async (ref: ObjectRef, patch: Record<string, unknown>) => noted({ ...(await inner.mergePatch(ref, patch)), kind: ref.kind }),
    replaceStatus: async (object: KubeObject, plural: string) => noted(await inner.replaceStatus(object, plural)),
    delete: async (ref: ObjectRef, propagationPolicy?: "Background" | "Foreground" | "Orphan") => {
      await inner.delete(ref, propagationPolicy);
      note(ref.kind, ref.namespace, ref.name, undefined);
    },
  };
}
