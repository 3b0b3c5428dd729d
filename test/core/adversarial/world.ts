/**
 * A hostile cluster for decide(): the true state (pods that become ready late or never, a router someone else
 * edits, AnalysisRuns that end as the history says), a controller whose view of it lags (each cached kind
 * independently, never older than its own last reconcile's writes), and writes that fail part-way through a
 * plan: 409 or 500 before the write, a timeout after it landed, a crash. The Rollout itself is read fresh, as
 * the controller does, and its status write is conditional (a user's write in between wins).
 *
 * Every action is applied to the true state one at a time and judged by src/core/invariants.ts right after it.
 */
import type { AnalysisPhase } from "../../../src/api/analysis-run.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import type { Observed, ObservedAnalysisRun, ObservedReplicaSet, ObservedSubsets, RouterProblem } from "../../../src/core/observed.ts";
import type { Action } from "../../../src/core/plan.ts";
import { routerProblem } from "../../../src/core/router-problem.ts";

export const NEVER = -1;

type Pod = { readyAt: number };
type WorldReplicaSet = { name: string; podHash: string; revision: number; replicas: number; pods: Pod[]; scaleDownDeadline?: string | undefined; created: number; writes: number };
type WorldRun = { name: string; phase: AnalysisPhase; message?: string | undefined; endsAt: number; final: AnalysisPhase; terminated: boolean };

export type Failure = "conflict" | "error" | "timeout-landed" | "timeout-lost" | "crash";

/** A write refused by the API server: the precondition's resourceVersion is not the object's. */
export class WorldConflict extends Error {}

export type WorldOptions = {
  /** Readiness delay (ms, or NEVER) of each pod, by revision number then pod number (both cycling). */
  podDelays: number[][];
  /** How each AnalysisRun ends, in the order they are created (cycling). */
  runOutcomes: { phase: AnalysisPhase; afterMs: number }[];
  services: string[];
  withRouter: boolean;
  /** With spec.workloadRef: the Deployment's replicas when the world starts, all of them ready. */
  workload?: { name: string; replicas: number } | undefined;
};

export class World {
  now = Date.parse("2026-11-23T10:00:00Z");
  rollout: Rollout;
  replicaSets = new Map<string, WorldReplicaSet>();
  services: Record<string, { podHash?: string | undefined }> = {};
  routing: { canaryWeight: number; managedRoutes: string[] } | undefined;
  /** Istio by DestinationRule subsets: the hash each subset's labels pin it to (undefined = not pinned yet). */
  subsets: ObservedSubsets | undefined;
  /** What the router reports instead of weights (someone edited the route by hand), until sluice writes it. */
  routerProblem: RouterProblem | undefined;
  runs = new Map<string, WorldRun>();
  /** The Deployment a workloadRef Rollout takes its template from: its pods serve beside the Rollout's. */
  workload: { name: string; replicas: number } | undefined;
  private runsCreated = 0;
  private readonly options: WorldOptions;
  /** The controller's caches as of the end of its last reconcile (the stalest view it may get). */
  private snapshot: Observed;

  constructor(rollout: Rollout, options: WorldOptions) {
    this.rollout = rollout;
    this.options = options;
    for (const s of options.services) this.services[s] = {};
    this.routing = options.withRouter ? { canaryWeight: 0, managedRoutes: [] } : undefined;
    this.workload = options.workload ? { ...options.workload } : undefined;
    this.subsets = rollout.spec.strategy.canary?.trafficRouting?.istio?.destinationRule ? { stable: undefined, canary: undefined } : undefined;
    this.snapshot = this.trueState();
  }

  private readyCount(rs: WorldReplicaSet): number {
    return rs.pods.filter((p) => p.readyAt !== NEVER && p.readyAt <= this.now).length;
  }

  private replicaSetView(rs: WorldReplicaSet): ObservedReplicaSet {
    const ready = this.readyCount(rs);
    // Every write and every status change (a pod becoming ready) is a new resourceVersion.
    return { name: rs.name, podHash: rs.podHash, revision: rs.revision, replicas: rs.replicas, readyReplicas: ready, availableReplicas: ready, scaleDownDeadline: rs.scaleDownDeadline, resourceVersion: `${rs.writes}.${ready}` };
  }

  private settleRuns(): void {
    for (const run of this.runs.values()) {
      if (run.phase !== "Running") continue;
      if (run.terminated) {
        // A terminated run settles where it stands, as the analysis runner does: often "Successful".
        run.phase = "Successful";
        run.message = "terminated";
      } else if (this.now >= run.endsAt) run.phase = run.final;
    }
  }

  /** What is really there now: the state the invariants judge. */
  trueState(): Observed {
    this.settleRuns();
    return {
      replicaSets: [...this.replicaSets.values()].map((rs) => this.replicaSetView(rs)),
      services: Object.fromEntries(Object.entries(this.services).map(([name, s]) => [name, { name, podHash: s.podHash }])),
      routing: this.routing === undefined ? undefined : this.routerProblem ? { ok: false, problem: this.routerProblem } : { ok: true, canaryWeight: this.routing.canaryWeight, managedRoutes: [...this.routing.managedRoutes], ...(this.subsets ? { subsets: { ...this.subsets } } : {}) },
      analysisRuns: [...this.runs.values()].map((r): ObservedAnalysisRun => ({ name: r.name, phase: r.phase, message: r.message, terminated: r.terminated })),
      missingReferences: [],
      // Its pods were ready long before; scaling down removes ready pods at once.
      workload: this.workload ? { name: this.workload.name, replicas: this.workload.replicas, availableReplicas: this.workload.replicas } : undefined,
    };
  }

  /**
   * What the controller reads: the router fresh (observe() asks it), each cached kind either fresh or as of
   * the end of the last reconcile (watch events not delivered yet, in no particular order across kinds).
   */
  observed(stale: { replicaSets: boolean; services: boolean; runs: boolean }): Observed {
    const fresh = this.trueState();
    return {
      ...fresh,
      replicaSets: structuredClone(stale.replicaSets ? this.snapshot.replicaSets : fresh.replicaSets),
      // The Deployment informer lags like the ReplicaSet one.
      workload: structuredClone(stale.replicaSets ? this.snapshot.workload : fresh.workload),
      services: structuredClone(stale.services ? this.snapshot.services : fresh.services),
      analysisRuns: structuredClone(stale.runs ? this.snapshot.analysisRuns : fresh.analysisRuns),
    };
  }

  /** The controller's caches have caught up with its own writes (see the read-your-writes wait in the controller). */
  takeSnapshot(): void {
    this.snapshot = this.trueState();
  }

  private delayFor(revision: number, pod: number): number {
    const byRevision = this.options.podDelays[revision % this.options.podDelays.length] ?? [0];
    return byRevision[pod % byRevision.length] ?? 0;
  }

  private scale(rs: WorldReplicaSet, replicas: number): void {
    while (rs.pods.length < replicas) {
      const delay = this.delayFor(rs.revision, rs.created++);
      rs.pods.push({ readyAt: delay === NEVER ? NEVER : this.now + delay });
    }
    if (rs.pods.length > replicas) {
      // The ReplicaSet controller deletes pods that are not ready before ready ones.
      const ready = (p: Pod) => p.readyAt !== NEVER && p.readyAt <= this.now;
      rs.pods.sort((a, b) => Number(ready(a)) - Number(ready(b)));
      rs.pods.splice(0, rs.pods.length - replicas);
    }
    rs.replicas = replicas;
  }

  private byName(name: string): WorldReplicaSet | undefined {
    return [...this.replicaSets.values()].find((rs) => rs.name === name);
  }

  /** Carry out one action on the true state (a write that reached the API server). */
  apply(action: Action): void {
    switch (action.kind) {
      case "CreateReplicaSet": {
        if (this.replicaSets.has(action.podHash)) return; // AlreadyExists: the executor treats it as done
        const rs: WorldReplicaSet = { name: `web-${action.podHash}`, podHash: action.podHash, revision: action.revision, replicas: 0, pods: [], created: 0, writes: 0 };
        this.replicaSets.set(action.podHash, rs);
        this.scale(rs, action.replicas);
        return;
      }
      case "ScaleReplicaSet": {
        const rs = this.byName(action.name);
        if (!rs) return;
        if (action.ifVersion !== undefined && action.ifVersion !== this.replicaSetView(rs).resourceVersion) throw new WorldConflict(`${rs.name} changed since it was read`);
        this.scale(rs, action.replicas);
        rs.writes++;
        return;
      }
      case "SetScaleDownDeadline": {
        const rs = this.byName(action.name);
        if (rs) {
          rs.scaleDownDeadline = action.deadline ?? undefined;
          rs.writes++;
        }
        return;
      }
      case "SetPodMetadata":
      case "SetMinReadySeconds": {
        // Neither changes which pods serve here (the world's availability is its pod delays, its traffic paths
        // are pod-template hashes), but each is a write: the ReplicaSet's resourceVersion moves, as on a cluster.
        const rs = this.byName(action.name);
        if (rs) rs.writes++;
        return;
      }
      case "DeleteReplicaSet": {
        const rs = this.byName(action.name);
        if (rs) this.replicaSets.delete(rs.podHash);
        return;
      }
      case "Route":
        if (!this.routing) throw new Error("Route without a router");
        if (this.subsets && action.subsets) {
          // As the Istio router does: a canary subset that moves while it gets traffic first gets none, then the
          // subsets are pinned, then the weight asked for is written (src/routers/istio/router.ts).
          const sendsToCanary = this.routerProblem !== undefined || this.routing.canaryWeight > 0 || this.routing.managedRoutes.length > 0;
          if (this.subsets.canary !== action.subsets.canary && sendsToCanary) this.routing = { canaryWeight: 0, managedRoutes: [] };
          this.subsets = { stable: action.subsets.stable, canary: action.subsets.canary ?? action.subsets.stable };
        }
        // The router rewrites every rule it manages: a hand edit is overwritten.
        this.routing = { canaryWeight: action.want.canaryWeight, managedRoutes: [...action.want.headerRoutes, ...action.want.mirrorRoutes].map((r) => r.name) };
        this.routerProblem = undefined;
        return;
      case "PinService": {
        const svc = this.services[action.service];
        if (!svc) throw new Error(`pin of unknown Service ${action.service}`);
        svc.podHash = action.podHash;
        return;
      }
      case "StartAnalysis": {
        if (this.runs.has(action.name)) return; // AlreadyExists
        const outcome = this.options.runOutcomes[this.runsCreated++ % this.options.runOutcomes.length] ?? { phase: "Successful", afterMs: 0 };
        this.runs.set(action.name, { name: action.name, phase: "Running", endsAt: this.now + outcome.afterMs, final: outcome.phase, terminated: false, message: outcome.phase === "Successful" ? undefined : `${outcome.phase.toLowerCase()} by the history` });
        return;
      }
      case "StopAnalysis": {
        const run = this.runs.get(action.name);
        if (run) run.terminated = true;
        return;
      }
      case "DeleteAnalysisRun":
        this.runs.delete(action.name); // NotFound: the executor treats it as done
        return;
      case "ScaleWorkload":
        if (!this.workload) throw new Error(`scale of Deployment ${action.name}, which the Rollout does not reference`);
        if (action.name !== this.workload.name) throw new Error(`scale of Deployment ${action.name}; the Rollout references ${this.workload.name}`);
        this.workload.replicas = action.replicas;
        return;
      case "Event":
        return;
      default:
        // A new kind of action must get a meaning here, or the world silently ignores it (as it once did deletes of runs).
        throw new Error(`the adversarial world cannot apply ${(action satisfies never as Action).kind}`);
    }
  }

  /** Someone edits the route by hand: a foreign weight the router reports as it is. */
  foreignWeight(weight: number): void {
    if (this.routing) this.routing = { ...this.routing, canaryWeight: weight };
  }

  /** The router's rules disagree with each other (an edit sluice did not make). */
  setRouterProblem(on: boolean): void {
    if (!this.routing) return;
    this.routerProblem = on ? routerProblem("InconsistentWeights", "rules of the route disagree (edited by hand)") : undefined;
  }

  /** Times something becomes due (pods ready, runs ending), for letting time pass to the next one. */
  nextDue(): number | undefined {
    const times = [
      ...[...this.replicaSets.values()].flatMap((rs) => rs.pods.map((p) => p.readyAt)).filter((t) => t !== NEVER && t > this.now),
      ...[...this.runs.values()].filter((r) => r.phase === "Running" && !r.terminated && r.endsAt > this.now).map((r) => r.endsAt),
    ];
    return times.length > 0 ? Math.min(...times) : undefined;
  }
}
