/**
 * Changes to a Rollout's spec (pure): each takes the object as read (with its resourceVersion) and returns
 * the whole object to write back, so the write fails with a conflict if anyone changed it in between.
 */
import type { KubeObject } from "../../kube/kube-client.ts";
import { RefusedError, UserError } from "../errors.ts";
import { rfc3339Seconds } from "../../util/rfc3339.ts";

export type SpecChange = { object: KubeObject; said: string };
/** A JSON merge patch carrying the resourceVersion read, so the API server applies it only to that version. */
export type SpecPatch = { patch: Record<string, unknown>; said: string };

function conditional(object: KubeObject, patch: Record<string, unknown>): Record<string, unknown> {
  return { metadata: { resourceVersion: object.metadata.resourceVersion }, ...patch };
}

type Container = { name: string; image?: string };
type PodTemplate = { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: { containers?: Container[]; initContainers?: Container[] } };

export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

function specOf(object: KubeObject): Record<string, unknown> & { paused?: boolean; template?: PodTemplate } {
  return (object.spec ?? {}) as Record<string, unknown> & { paused?: boolean; template?: PodTemplate };
}

export function setPaused(object: KubeObject, paused: boolean): SpecPatch {
  const name = object.metadata.name;
  const spec = specOf(object);
  if ((spec.paused ?? false) === paused) {
    throw new RefusedError(paused ? `rollout "${name}" is already paused; \`sluice resume ${name}\` continues it` : `rollout "${name}" is not paused by the user (spec.paused is false); to let a pause step go on, use \`sluice promote ${name}\``);
  }
  return {
    patch: conditional(object, { spec: { paused } }),
    said: paused ? `rollout "${name}" paused: it stays where it is until \`sluice resume ${name}\`` : `rollout "${name}" resumed`,
  };
}

/** RFC 3339 without milliseconds, as kubectl writes restartedAt. */
export function rfc3339(now: Date): string {
  return rfc3339Seconds(now);
}

/** A new pod-template annotation = a new revision that walks the steps, as `kubectl rollout restart` does. */
export function restart(object: KubeObject, now: Date): SpecPatch {
  const at = rfc3339(now);
  return {
    patch: conditional(object, { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: at } } } } }),
    said: `rollout "${object.metadata.name}" restarted: new pods roll out through the steps (${RESTARTED_AT_ANNOTATION}=${at})`,
  };
}

export function parseImageAssignment(text: string): { container: string; image: string } {
  const at = text.indexOf("=");
  if (at <= 0 || at === text.length - 1) throw new UserError(`expected CONTAINER=IMAGE (e.g. app=acme/web:2), got "${text}"`);
  return { container: text.slice(0, at), image: text.slice(at + 1) };
}

/** Change one container's image (init containers included); every other field stays as read. */
export function setImage(object: KubeObject, container: string, image: string): SpecChange {
  const spec = specOf(object);
  const template = spec.template ?? {};
  const podSpec = template.spec ?? {};
  const lists = { containers: podSpec.containers ?? [], initContainers: podSpec.initContainers ?? [] };
  const all = [...lists.containers, ...lists.initContainers];
  const found = all.find((c) => c.name === container);
  if (!found) throw new UserError(`rollout "${object.metadata.name}" has no container "${container}"; its containers: ${all.map((c) => c.name).join(", ") || "none"}`);
  if (found.image === image) throw new RefusedError(`container "${container}" of rollout "${object.metadata.name}" already runs ${image}`);
  const swap = (list: Container[]) => list.map((c) => (c.name === container ? { ...c, image } : c));
  const newPodSpec = { ...podSpec, containers: swap(lists.containers), ...(podSpec.initContainers ? { initContainers: swap(lists.initContainers) } : {}) };
  return {
    object: { ...object, spec: { ...spec, template: { ...template, spec: newPodSpec } } },
    said: `rollout "${object.metadata.name}" container "${container}" image ${found.image ?? "(none)"} -> ${image}`,
  };
}
