/**
 * LeaderElector against an in-memory Lease with an injected clock. Expiry is judged as client-go does: by when
 * *we* saw the Lease record last change, never by the holder's renewTime, which comes from the holder's clock.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { pino } from "pino";
import { ConflictError, type KubeClient, type KubeObject, type ObjectRef } from "../../src/kube/kube-client.ts";
import { LeaderElector, microTime } from "../../src/kube/leader-election.ts";

/** Just enough of a Kubernetes API for one Lease: get, create, replace conditional on resourceVersion. */
class FakeLeases implements KubeClient {
  lease: KubeObject | undefined;
  private rv = 0;
  failing = false;

  async get(_ref: ObjectRef): Promise<KubeObject | undefined> {
    if (this.failing) throw new Error("connection refused");
    return this.lease ? structuredClone(this.lease) : undefined;
  }
  async create(object: KubeObject): Promise<KubeObject> {
    if (this.failing) throw new Error("connection refused");
    if (this.lease) throw new ConflictError("Lease", "already exists");
    return this.store(object);
  }
  async replace(object: KubeObject): Promise<KubeObject> {
    if (this.failing) throw new Error("connection refused");
    if (object.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw new ConflictError("Lease", "the object has been modified");
    return this.store(object);
  }
  /** Another candidate writes the Lease (it read the current version first). */
  writeAs(spec: Record<string, unknown>): void {
    this.store({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "lease", namespace: "default" }, spec });
  }
  holder(): string | undefined {
    return (this.lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
  }
  private store(object: KubeObject): KubeObject {
    this.lease = { ...structuredClone(object), metadata: { ...object.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }
  async list(): Promise<KubeObject[]> {
    throw new Error("not used");
  }
  async mergePatch(): Promise<KubeObject> {
    throw new Error("not used");
  }
  async replaceStatus(): Promise<KubeObject> {
    throw new Error("not used");
  }
  async delete(): Promise<void> {
    throw new Error("not used");
  }
}

const electors: LeaderElector[] = [];
afterEach(async () => {
  for (const e of electors.splice(0)) await e.stop();
});

/** Our clock, moved by the test; real time only paces the election rounds (every 5 ms). */
function candidate(leases: FakeLeases, clock: { ms: number }) {
  const events: string[] = [];
  const elector = new LeaderElector(leases, {
    namespace: "default",
    name: "lease",
    identity: "me",
    leaseDurationSeconds: 15,
    renewDeadlineSeconds: 10,
    retryPeriodSeconds: 0.005,
    onStartedLeading: () => events.push("started"),
    onStoppedLeading: () => events.push("stopped"),
    log: pino({ level: "silent" }),
    now: () => new Date(clock.ms),
  });
  electors.push(elector);
  return { elector, events };
}

const rounds = () => new Promise((r) => setTimeout(r, 40));
const T0 = Date.parse("2030-01-01T00:00:00Z");

describe("leader election judges expiry by its own observation time", () => {
  it("a holder whose clock is an hour behind but who keeps renewing is never taken over", async () => {
    const leases = new FakeLeases();
    const clock = { ms: T0 };
    const holderClock = { ms: T0 - 3_600_000 };
    leases.writeAs({ holderIdentity: "other", leaseDurationSeconds: 15, renewTime: microTime(new Date(holderClock.ms)) });
    const { elector } = candidate(leases, clock);
    elector.start();
    for (let second = 0; second < 60; second++) {
      clock.ms += 1000;
      holderClock.ms += 1000;
      if (second % 2 === 0) leases.writeAs({ holderIdentity: "other", leaseDurationSeconds: 15, renewTime: microTime(new Date(holderClock.ms)) });
      await rounds();
      assert.equal(leases.holder(), "other", `taken over at second ${second} although the holder renews every 2 s`);
    }
    assert.equal(elector.isLeader, false);
  });

  it("a holder whose clock is an hour ahead and who stops renewing is taken over after leaseDuration of our observation", async () => {
    const leases = new FakeLeases();
    const clock = { ms: T0 };
    leases.writeAs({ holderIdentity: "other", leaseDurationSeconds: 15, renewTime: microTime(new Date(T0 + 3_600_000)) });
    const { elector, events } = candidate(leases, clock);
    elector.start();
    await rounds(); // first seen at T0
    let takenAt: number | undefined;
    for (let second = 1; second <= 30 && takenAt === undefined; second++) {
      clock.ms += 1000;
      await rounds();
      if (leases.holder() === "me") takenAt = second;
    }
    assert.ok(takenAt !== undefined, "never taken over: the holder's renewTime from the future was trusted");
    assert.ok(takenAt >= 15 && takenAt <= 17, `taken over ${takenAt} s after we first saw the record (lease 15 s)`);
    assert.equal(elector.isLeader, true);
    assert.deepEqual(events, ["started"]);
  });

  it("a leader stops leading as soon as it sees another holder, and when its renew deadline passes", async () => {
    const leases = new FakeLeases();
    const clock = { ms: T0 };
    const { elector, events } = candidate(leases, clock);
    elector.start();
    await rounds();
    assert.equal(elector.isLeader, true);
    leases.writeAs({ holderIdentity: "usurper", leaseDurationSeconds: 15, renewTime: microTime(new Date(T0)) });
    await rounds();
    assert.equal(elector.isLeader, false);
    assert.deepEqual(events, ["started", "stopped"]);

    // Back in charge (the usurper left), then the API server becomes unreachable: no renewal for 10 s = not leader.
    leases.writeAs({ holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(new Date(T0)) });
    await rounds();
    assert.equal(elector.isLeader, true);
    leases.failing = true;
    clock.ms += 9_000;
    await rounds();
    assert.equal(elector.isLeader, true, "still within the renew deadline");
    clock.ms += 2_000;
    assert.equal(elector.isLeader, false, "past the renew deadline, even before a round notices");
    await rounds();
    assert.deepEqual(events, ["started", "stopped", "started", "stopped"]);
  });
});
