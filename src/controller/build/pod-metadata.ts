/**
 * Ephemeral pod metadata on the objects (pure): the annotation that records what sluice put on a ReplicaSet's
 * pods, and the merge patch that swaps one role's labels/annotations for another's. A key the new role no
 * longer sets goes back to the template's own value, or away when the template has none.
 */
import { podMetadataSchema, type PodMetadata } from "../../api/rollout.ts";
import { canonicalJson } from "../../core/pod-template-hash.ts";
import { isEmptyPodMetadata, normalPodMetadata } from "../../core/pod-metadata.ts";

type StringMap = Record<string, string>;
/** null removes the key (JSON merge patch). */
export type MetadataPatch = { labels?: Record<string, string | null>; annotations?: Record<string, string | null> };

/** The annotation's value; null (remove it) when the role sets nothing. */
export const podMetadataAnnotation = (metadata: PodMetadata): string | null => (isEmptyPodMetadata(metadata) ? null : canonicalJson(normalPodMetadata(metadata)));

/** What the annotation records; an unreadable one as "unknown", so the next change writes every wanted key. */
export function parsePodMetadataAnnotation(text: string | undefined): PodMetadata | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = podMetadataSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

function mapPatch(previous: StringMap | undefined, wanted: StringMap | undefined, template: StringMap | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const key of Object.keys(previous ?? {})) if (!(wanted && key in wanted)) out[key] = template?.[key] ?? null;
  return { ...out, ...wanted };
}

/** From `previous` to `wanted`, over the pod template's own labels and annotations. */
export function podMetadataPatch(previous: PodMetadata, wanted: PodMetadata, template: { labels?: StringMap | undefined; annotations?: StringMap | undefined } | undefined): MetadataPatch {
  const labels = mapPatch(previous.labels, wanted.labels, template?.labels);
  const annotations = mapPatch(previous.annotations, wanted.annotations, template?.annotations);
  return { ...(Object.keys(labels).length > 0 ? { labels } : {}), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
}

/** The part of `patch` that changes an object with this metadata; undefined when it already matches (no write). */
export function patchFor(current: { labels?: StringMap | undefined; annotations?: StringMap | undefined }, patch: MetadataPatch): MetadataPatch | undefined {
  const differing = (have: StringMap | undefined, want: Record<string, string | null> | undefined) =>
    Object.fromEntries(Object.entries(want ?? {}).filter(([key, value]) => (have?.[key] ?? null) !== value));
  const labels = differing(current.labels, patch.labels);
  const annotations = differing(current.annotations, patch.annotations);
  const out = { ...(Object.keys(labels).length > 0 ? { labels } : {}), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
  return Object.keys(out).length > 0 ? out : undefined;
}
