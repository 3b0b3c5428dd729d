/**
 * Which shard a Rollout belongs to: a stable hash of "namespace/name", so every replica computes the same
 * answer with no coordination, a Rollout never moves while the shard count stays, and the split is even.
 * The first 4 bytes of SHA-256 rather than a hand-written hash: the same on every platform and Node version.
 */
import { createHash } from "node:crypto";

export function shardOf(key: string, count: number): number {
  if (count <= 1) return 0;
  return createHash("sha256").update(key).digest().readUInt32BE(0) % count;
}

/** The Lease of one shard. With one shard it is the plain leader-election Lease, as before sharding existed. */
export function shardLeaseName(base: string, shard: number, count: number): string {
  return count <= 1 ? base : `${base}-shard-${shard}`;
}
