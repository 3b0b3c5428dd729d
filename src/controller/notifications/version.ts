/**
 * Which change a revision is, in the words of whoever made it: the image, and the commit and author when the
 * Rollout carries them (`sluice.dev/commit`, `sluice.dev/author`) or the image tag is a git commit. Pure.
 *
 * The pod template's annotations win over the Rollout's: they are part of the revision (its pod-template hash),
 * so they cannot describe another one; the Rollout's are what `kubectl annotate` from CI sets, and go stale
 * when the template changes without them. They are read when the template has none.
 */
import type { Rollout } from "../../api/rollout.ts";
import { hasTemplate, templateOf } from "../../core/rollout-template.ts";

export const COMMIT_ANNOTATION = "sluice.dev/commit";
export const AUTHOR_ANNOTATION = "sluice.dev/author";
/** Kubernetes' own: the container `kubectl logs` and `exec` pick by default. */
const DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

export type VersionIdentity = { image?: string | undefined; commit?: string | undefined; author?: string | undefined };

/** One line, at most 120 characters: an annotation is free text and ends up in a chat message. */
function clean(value: string | undefined): string | undefined {
  const line = value?.replace(/\s+/g, " ").trim();
  return line ? line.slice(0, 120) : undefined;
}

/** The tag of `registry:5000/acme/web:1.4.2@sha256:...`: after the last `/`, after `:`, before `@`. */
export function imageTag(image: string): string | undefined {
  const name = image.split("@")[0] ?? "";
  const last = name.slice(name.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return colon >= 0 ? last.slice(colon + 1) : undefined;
}

/**
 * A commit in a tag: the tag itself (`3f2a9c1`, `sha-3f2a9c1`) or its end after a `-` (`1.4.2-3f2a9c1`, git
 * describe's `1.4.2-5-g3f2a9c1`). 7 to 40 hex digits with at least one letter, so a build number or a date
 * (`20240101`) is not taken for one.
 */
export function commitInTag(tag: string): string | undefined {
  const match = /(?:^|^sha-|-g?)([0-9a-f]{7,40})$/.exec(tag);
  const hex = match?.[1];
  return hex !== undefined && /[a-f]/.test(hex) ? hex : undefined;
}

export function versionOf(rollout: Rollout): VersionIdentity {
  const template = hasTemplate(rollout) ? templateOf(rollout) : undefined;
  const fromTemplate = template?.metadata?.annotations ?? {};
  const fromRollout = rollout.metadata.annotations ?? {};
  const annotation = (key: string) => clean(fromTemplate[key]) ?? clean(fromRollout[key]);
  const containers = template?.spec.containers ?? [];
  const preferred = fromTemplate[DEFAULT_CONTAINER_ANNOTATION];
  const image = (containers.find((c) => c.name === preferred) ?? containers[0])?.image;
  const tag = image === undefined ? undefined : imageTag(image);
  return { image, commit: annotation(COMMIT_ANNOTATION) ?? (tag === undefined ? undefined : commitInTag(tag)), author: annotation(AUTHOR_ANNOTATION) };
}

/** A full commit is shown as git shortens it; anything else (a tag, a ref) as given. */
const shortCommit = (commit: string): string => (/^[0-9a-f]{8,40}$/i.test(commit) ? commit.slice(0, 7) : commit);

/** "acme/web:1.4.2 (commit 3f2a9c1 by Ana Lima)", "acme/web:1.4.2 (by Ana Lima)", "acme/web:1.4.2". */
export function describeVersion(v: VersionIdentity, revision: string | undefined): string {
  const who = [v.commit !== undefined ? `commit ${shortCommit(v.commit)}` : undefined, v.author !== undefined ? `by ${v.author}` : undefined].filter((p) => p !== undefined).join(" ");
  const what = v.image ?? `revision ${revision ?? "?"}`;
  return who === "" ? what : `${what} (${who})`;
}
