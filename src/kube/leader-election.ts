/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: acquire when the Lease is free or
 * expired, renew before it expires, and rely on resourceVersion conflicts (409) so two candidates never both
 * win. Only the leader writes; standbys keep their caches warm and take over when the leader stops renewing.
 */
import type { Logger } from "pino";
import { ConflictError, type KubeClient, type KubeObject } from "./kube-client.ts";

export type LeaderElectionOptions = {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  log: Logger;
  now?: () => Date;
};

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

type LeaseSpec = { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };

export class LeaderElector {
  private readonly kube: KubeClient;
  private readonly o: Required<Omit<LeaderElectionOptions, "now">> & { now: () => Date };
  private leading = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(kube: KubeClient, options: LeaderElectionOptions) {
    this.kube = kube;
    this.o = { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2, now: () => new Date(), ...options };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.tryAcquireOrRenew();
      } catch (error) {
        this.o.log.warn({ err: error instanceof Error ? error.message : String(error) }, "leader election: lease update failed");
      }
      // Could not renew in time: stop leading before another candidate may take over.
      if (this.leading && this.o.now().getTime() - this.lastRenew > this.o.renewDeadlineSeconds * 1000) this.setLeading(false);
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.o.retryPeriodSeconds * 1000);
    };
    void tick();
  }

  private ref() {
    return { apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: this.o.namespace, name: this.o.name };
  }

  private setLeading(value: boolean): void {
    if (this.leading === value) return;
    this.leading = value;
    this.o.log.info({ identity: this.o.identity, lease: `${this.o.namespace}/${this.o.name}` }, value ? "became leader" : "stopped leading");
    if (value) this.o.onStartedLeading();
    else this.o.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const now = this.o.now();
    const lease = await this.kube.get(this.ref());
    const spec: LeaseSpec = (lease?.spec as LeaseSpec | undefined) ?? {};
    const mine: LeaseSpec = { holderIdentity: this.o.identity, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: microTime(now) };
    if (!lease) {
      await this.write(undefined, { ...mine, acquireTime: microTime(now), leaseTransitions: 0 });
      return;
    }
    const held = spec.holderIdentity && spec.holderIdentity !== this.o.identity;
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? this.o.leaseDurationSeconds) * 1000 < now.getTime();
    if (held && !expired) {
      this.setLeading(false);
      return;
    }
    const transitions = (spec.leaseTransitions ?? 0) + (spec.holderIdentity === this.o.identity ? 0 : 1);
    const acquireTime = spec.holderIdentity === this.o.identity ? spec.acquireTime ?? microTime(now) : microTime(now);
    await this.write(lease, { ...mine, acquireTime, leaseTransitions: transitions });
  }

  private async write(existing: KubeObject | undefined, spec: LeaseSpec): Promise<void> {
    try {
      if (existing) await this.kube.replace({ ...existing, spec });
      else await this.kube.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: this.o.name, namespace: this.o.namespace }, spec });
      this.lastRenew = this.o.now().getTime();
      this.setLeading(true);
    } catch (error) {
      if (error instanceof ConflictError) return this.setLeading(false); // another candidate won this round
      throw error;
    }
  }

  /** Stop campaigning; a leader gives the Lease up so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.setLeading(false);
    const lease = await this.kube.get(this.ref()).catch(() => undefined);
    const spec = lease?.spec as LeaseSpec | undefined;
    if (lease && spec?.holderIdentity === this.o.identity) {
      await this.kube.replace({ ...lease, spec: { ...spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(this.o.now()) } }).catch(() => undefined);
    }
  }
}
