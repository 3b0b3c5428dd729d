/**
 * The revision identity of a pod template: a short hash of its canonical JSON. It names the ReplicaSet
 * (`NAME-HASH`) and labels its pods, so the same template always maps to the same ReplicaSet, across
 * controller restarts and replicas.
 */
import { createHash } from "node:crypto";
import type { PodTemplate } from "../api/pod-template.ts";

/** JSON with object keys sorted at every level, so key order in the YAML never changes the hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// Alphabet of Kubernetes' own pod-template hashes (no vowels, so no words; safe in names and labels).
const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function podTemplateHash(template: PodTemplate): string {
  const digest = createHash("sha256").update(canonicalJson(template)).digest();
  let out = "";
  for (let i = 0; i < 10; i++) out += ALPHABET[(digest[i] ?? 0) % ALPHABET.length];
  return out;
}
