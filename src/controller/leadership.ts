/**
 * Who may write, shard by shard. Rollouts are split into `shards.count` shards by a hash of namespace/name
 * (shards.ts); this process holds some of them, and holds each for a *term*. A term is an AbortSignal that
 * every write of that shard checks (FencedKube): losing the shard's Lease or shutting down ends the term, so
 * a reconcile in flight finishes the write it is sending and sends no other.
 *
 * - No leader election: the process holds its shard (`shards.index`, or the only one) for the whole run.
 * - Leader election, one shard: one Lease; the holder writes, the others wait as standbys.
 * - Leader election, N shards: one Lease per shard. This process campaigns at once for its own shard
 *   (`shards.index`) and as a standby for the others, taking one over when its holder stops renewing, and
 *   handing it back when that shard's own replica returns (leader-election.ts).
 */
import type { Logger } from "pino";
import type { WriteGuard } from "../kube/fenced-kube.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { LeaderElector, type ElectionRole } from "../kube/leader-election.ts";
import { shardLeaseName, shardOf } from "./shards.ts";

export type LeaderElectionConfig = {
  namespace: string;
  name?: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
};

export type ShardConfig = { count: number; index?: number | undefined };

export type LeadershipOptions = {
  kube: KubeClient;
  log: Logger;
  leaderElection?: LeaderElectionConfig | undefined;
  shards: ShardConfig;
  onGained(shard: number): void;
  onLost(shard: number): void;
};

/** Why a shard's options make no sense, in words that name the flag; undefined when they are fine. */
export function shardConfigProblem(shards: ShardConfig): string | undefined {
  if (!Number.isInteger(shards.count) || shards.count < 1) return `--shard-count must be a whole number of at least 1 (got ${shards.count})`;
  if (shards.count > 1 && shards.index === undefined) return `--shard-index is required with --shard-count ${shards.count}: give each replica its own index from 0 to ${shards.count - 1} (a StatefulSet's pod index)`;
  if (shards.index !== undefined && (!Number.isInteger(shards.index) || shards.index < 0 || shards.index >= shards.count)) return `--shard-index must be a whole number from 0 to ${shards.count - 1} (got ${shards.index})`;
  return undefined;
}

export class Leadership {
  private readonly options: LeadershipOptions;
  private readonly terms: AbortController[];
  private readonly electors: (LeaderElector | undefined)[];
  private stopping = false;

  constructor(options: LeadershipOptions) {
    const problem = shardConfigProblem(options.shards);
    if (problem) throw new Error(problem);
    this.options = options;
    const { count, index } = options.shards;
    const le = options.leaderElection;
    this.terms = Array.from({ length: count }, () => new AbortController());
    this.electors = Array.from({ length: count }, (_, shard) => {
      if (!le) return undefined;
      const role: ElectionRole = count === 1 ? "only" : shard === index ? "preferred" : "standby";
      return new LeaderElector(options.kube, {
        namespace: le.namespace,
        name: shardLeaseName(le.name ?? "sluice-controller", shard, count),
        identity: le.identity,
        role,
        ...(le.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: le.leaseDurationSeconds } : {}),
        ...(le.renewDeadlineSeconds !== undefined ? { renewDeadlineSeconds: le.renewDeadlineSeconds } : {}),
        ...(le.retryPeriodSeconds !== undefined ? { retryPeriodSeconds: le.retryPeriodSeconds } : {}),
        log: count === 1 ? options.log : options.log.child({ shard }),
        onStartedLeading: () => this.gain(shard),
        onStoppedLeading: () => this.lose(shard, "lost the Lease"),
      });
    });
    // Until a Lease is ours there is no term; without leader election only our own shard has one.
    this.terms.forEach((term, shard) => {
      if (le) term.abort("not the leader");
      else if (count > 1 && shard !== index) term.abort(`shard ${shard} belongs to another replica`);
    });
  }

  get shardCount(): number {
    return this.options.shards.count;
  }

  shardOfKey(key: string): number {
    return shardOf(key, this.options.shards.count);
  }

  /** Start campaigning (leader election), or begin the terms already held. */
  start(): void {
    if (this.options.leaderElection) for (const elector of this.electors) elector?.start();
    else this.terms.forEach((term, shard) => (term.signal.aborted ? undefined : this.options.onGained(shard)));
  }

  /** The guard of the shard's current term: writes stop when this term ends, even if a later one begins. */
  guardFor(shard: number): WriteGuard {
    const signal = this.terms[shard]?.signal;
    const elector = this.electors[shard];
    return () => {
      if (!signal) return `no shard ${shard}`;
      if (signal.aborted) return String(signal.reason);
      // The elector's own clock check: the deadline may have passed before its timer ran.
      if (elector && !elector.isLeader) return "the Lease was not renewed within the renew deadline";
      return undefined;
    };
  }

  mayWrite(shard: number): boolean {
    return this.guardFor(shard)() === undefined;
  }

  mayWriteKey(key: string): boolean {
    return this.mayWrite(this.shardOfKey(key));
  }

  held(): number[] {
    return this.terms.map((_, shard) => shard).filter((shard) => this.mayWrite(shard));
  }

  private gain(shard: number): void {
    if (this.stopping) return;
    this.terms[shard] = new AbortController();
    this.options.onGained(shard);
  }

  private lose(shard: number, reason: string): void {
    const term = this.terms[shard];
    if (!term || term.signal.aborted) return;
    term.abort(reason);
    this.options.onLost(shard);
  }

  /** End every term at once (a reconcile in flight sends no further write), then give the Leases up. */
  endAll(reason: string): void {
    this.stopping = true;
    this.terms.forEach((_, shard) => this.lose(shard, reason));
  }

  async stop(): Promise<void> {
    this.endAll("shutting down");
    await Promise.all(this.electors.map((elector) => elector?.stop()));
  }
}
