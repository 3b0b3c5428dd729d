/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: acquire when the Lease is free or
 * expired, renew before it expires, and rely on resourceVersion conflicts (409) so two candidates never both
 * win. Only the leader writes; standbys keep their caches warm and take over when the leader stops renewing.
 *
 * Expiry is judged by our own clock only: we note when *we* saw the Lease record change (holder, renewTime,
 * ...) and call it expired leaseDuration after that. The holder's renewTime comes from the holder's clock, so
 * comparing it with ours would let a skewed clock steal a live Lease (holder behind) or keep a dead one forever
 * (holder ahead). Likewise our own leadership ends renewDeadline after our last successful renewal, by our clock.
 *
 * Sharded controllers (see controller/leadership.ts) hold one Lease per shard, in one of two roles:
 * - "preferred": the replica whose --shard-index this shard is. It campaigns at once, and when it finds the
 *   shard held by a standby that took it over while it was away, it asks for it back by writing its identity
 *   in the annotation PREFERRED_HOLDER_ANNOTATION.
 * - "standby": every other replica. It takes the shard only once the Lease went unrenewed for a whole lease
 *   duration of its own (also a Lease that does not exist yet, or one just released), so the preferred
 *   replica always gets there first; and it hands the shard back as soon as the preferred holder asks.
 * An unsharded controller is in role "only": today's plain leader election.
 */
import type { Logger } from "pino";
import { logRetry } from "../util/retry-log.ts";
import { ConflictError, type KubeClient, type KubeObject } from "./kube-client.ts";

/** Written on a shard's Lease by its preferred replica to ask a standby holder to hand the shard back. */
export const PREFERRED_HOLDER_ANNOTATION = "sluice.dev/preferred-holder";

export type ElectionRole = "only" | "preferred" | "standby";

export type LeaderElectionOptions = {
  namespace: string;
  /** Default "only" (plain leader election); see the header for the sharded roles. */
  role?: ElectionRole;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  onStartedLeading: () => void;
  /** Called at once when the Lease is lost (another holder seen, or the renew deadline passed): fence writes here. */
  onStoppedLeading: () => void;
  log: Logger;
  now?: () => Date;
};

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

type LeaseSpec = { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };

/** The fields whose change shows the holder is alive (client-go compares the whole election record). */
const recordOf = (spec: LeaseSpec) => JSON.stringify([spec.holderIdentity ?? "", spec.leaseDurationSeconds ?? null, spec.acquireTime ?? null, spec.renewTime ?? null, spec.leaseTransitions ?? null]);

export class LeaderElector {
  private readonly kube: KubeClient;
  private readonly o: Required<Omit<LeaderElectionOptions, "now">> & { now: () => Date };
  /** For a standby: when we first looked and found no Lease (it waits a lease duration before creating one). */
  private absentSince: number | undefined;
  private leading = false;
  /** Our clock when our last renewal succeeded. */
  private lastRenew = 0;
  /** The Lease record as we last saw it, and our clock when we saw it change. */
  private observedRecord: string | undefined;
  private observedTime = 0;
  private failedRounds = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(kube: KubeClient, options: LeaderElectionOptions) {
    this.kube = kube;
    this.o = { role: "only", leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2, now: () => new Date(), ...options };
  }

  /** Leading, and the last renewal is within the renew deadline (checked against the clock, not only by a timer). */
  get isLeader(): boolean {
    return this.leading && this.o.now().getTime() - this.lastRenew <= this.o.renewDeadlineSeconds * 1000;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      this.round = this.tryAcquireOrRenew().then(
        () => {
          this.failedRounds = 0;
        },
        (error: unknown) => {
          this.failedRounds++;
          logRetry(this.o.log, { what: `leader election (Lease ${this.o.namespace}/${this.o.name})`, attempt: this.failedRounds, delayMs: this.o.retryPeriodSeconds * 1000, error });
        },
      );
      await this.round;
      this.loseIfOverdue();
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.o.retryPeriodSeconds * 1000);
    };
    void tick();
  }

  private ref() {
    return { apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: this.o.namespace, name: this.o.name };
  }

  /** Could not renew in time: stop leading before another candidate may take over. */
  private loseIfOverdue(): void {
    if (this.leading && !this.isLeader) {
      this.o.log.warn({ lease: `${this.o.namespace}/${this.o.name}`, renewDeadlineSeconds: this.o.renewDeadlineSeconds }, "could not renew the Lease in time");
      this.setLeading(false);
    }
  }

  private setLeading(value: boolean): void {
    if (this.leading === value) return;
    this.leading = value;
    if (!value) clearTimeout(this.deadlineTimer);
    this.o.log.info({ identity: this.o.identity, lease: `${this.o.namespace}/${this.o.name}` }, value ? "became leader" : "stopped leading");
    if (value) this.o.onStartedLeading();
    else this.o.onStoppedLeading();
  }

  private observe(spec: LeaseSpec): void {
    const record = recordOf(spec);
    if (record === this.observedRecord) return;
    this.observedRecord = record;
    this.observedTime = this.o.now().getTime();
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const lease = await this.kube.get(this.ref());
    if (this.stopped) return; // stop() is releasing the Lease; do not take it back
    const now = this.o.now();
    const standby = this.o.role === "standby";
    const mine: LeaseSpec = { holderIdentity: this.o.identity, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: microTime(now) };
    if (!lease) {
      // A standby does not create a shard's Lease: its preferred replica may be starting too.
      if (standby) {
        this.absentSince ??= now.getTime();
        if (now.getTime() - this.absentSince < this.o.leaseDurationSeconds * 1000) return;
      }
      await this.write(undefined, { ...mine, acquireTime: microTime(now), leaseTransitions: 0 });
      return;
    }
    this.absentSince = undefined;
    const spec: LeaseSpec = (lease.spec as LeaseSpec | undefined) ?? {};
    this.observe(spec);
    const ours = spec.holderIdentity === this.o.identity;
    const wantedBy = lease.metadata.annotations?.[PREFERRED_HOLDER_ANNOTATION];
    if (standby && ours && wantedBy && wantedBy !== this.o.identity) return this.handBack(lease, spec);
    const held = spec.holderIdentity && !ours;
    // A standby waits out its own lease duration too, even for a released Lease: the preferred replica goes first.
    const duration = standby ? Math.max(spec.leaseDurationSeconds ?? 0, this.o.leaseDurationSeconds) : (spec.leaseDurationSeconds ?? this.o.leaseDurationSeconds);
    const expired = this.observedTime + duration * 1000 <= now.getTime();
    if ((held || (standby && !ours)) && !expired) {
      this.setLeading(false);
      if (held && this.o.role === "preferred" && wantedBy !== this.o.identity) await this.askBack(lease);
      return;
    }
    const transitions = (spec.leaseTransitions ?? 0) + (ours ? 0 : 1);
    const acquireTime = ours ? spec.acquireTime ?? microTime(now) : microTime(now);
    await this.write(lease, { ...mine, acquireTime, leaseTransitions: transitions });
  }

  /** Preferred replica, shard held by a standby: ask for it (the standby reads this on its next renewal). */
  private async askBack(lease: KubeObject): Promise<void> {
    const annotations = { ...lease.metadata.annotations, [PREFERRED_HOLDER_ANNOTATION]: this.o.identity };
    try {
      await this.kube.replace({ ...lease, metadata: { ...lease.metadata, annotations } });
      this.o.log.info({ identity: this.o.identity, lease: `${this.o.namespace}/${this.o.name}`, holder: (lease.spec as LeaseSpec | undefined)?.holderIdentity }, "asked the standby holding this shard to hand it back");
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error; // the holder renewed meanwhile: ask again next round
    }
  }

  /** Standby holding a shard its preferred replica asks for: stop writing first, then release the Lease to it. */
  private async handBack(lease: KubeObject, spec: LeaseSpec): Promise<void> {
    this.setLeading(false);
    this.lastRenew = 0;
    clearTimeout(this.deadlineTimer);
    this.o.log.info({ identity: this.o.identity, lease: `${this.o.namespace}/${this.o.name}`, to: lease.metadata.annotations?.[PREFERRED_HOLDER_ANNOTATION] }, "handing the shard back to its preferred replica");
    await this.release(lease, spec);
  }

  private async release(lease: KubeObject, spec: LeaseSpec): Promise<void> {
    // As client-go's release: no holder and a 1 s duration, so a candidate takes over on its next round.
    await this.kube.replace({ ...lease, spec: { ...spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(this.o.now()) } });
  }

  private async write(existing: KubeObject | undefined, spec: LeaseSpec): Promise<void> {
    try {
      if (existing) {
        // A standby taking a shard over clears a request to hand it back that its last holder left unanswered.
        const wantedBy = existing.metadata.annotations?.[PREFERRED_HOLDER_ANNOTATION];
        const stale = this.o.role === "standby" && wantedBy !== undefined && (existing.spec as LeaseSpec | undefined)?.holderIdentity !== this.o.identity;
        const annotations = stale ? Object.fromEntries(Object.entries(existing.metadata.annotations ?? {}).filter(([k]) => k !== PREFERRED_HOLDER_ANNOTATION)) : existing.metadata.annotations;
        await this.kube.replace({ ...existing, metadata: { ...existing.metadata, ...(annotations ? { annotations } : {}) }, spec });
      } else await this.kube.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: this.o.name, namespace: this.o.namespace }, spec });
    } catch (error) {
      if (error instanceof ConflictError) return this.setLeading(false); // another candidate won this round
      throw error;
    }
    this.observe(spec);
    this.lastRenew = this.o.now().getTime();
    // A renewal stuck in a hung request must not leave us "leading": the deadline fires on its own.
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => this.loseIfOverdue(), this.o.renewDeadlineSeconds * 1000 + 10);
    this.deadlineTimer.unref();
    this.setLeading(true);
  }

  /** Stop campaigning; a leader gives the Lease up so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A round in flight finishes first (or, stuck on an unreachable server, gets one retry period), so it
    // cannot renew after the release below.
    await Promise.race([this.round, new Promise((resolve) => setTimeout(resolve, this.o.retryPeriodSeconds * 1000).unref())]);
    const held = this.leading || this.lastRenew > 0;
    this.setLeading(false);
    if (!held) return;
    const lease = await this.kube.get(this.ref()).catch(() => undefined);
    const spec = lease?.spec as LeaseSpec | undefined;
    if (lease && spec?.holderIdentity === this.o.identity) {
      await this.release(lease, spec)
        .catch((error: unknown) => this.o.log.warn({ err: error instanceof Error ? error.message : String(error) }, "could not release the Lease"));
    }
  }
}
