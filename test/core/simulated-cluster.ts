/**
 * A deterministic stand-in for the cluster, for decide() tests: it carries out a Plan's actions the way the
 * executor will (ReplicaSets, Service pins, router weights, AnalysisRuns) and hands back what observe()
 * would read. Pods become available `readyAfterMs` after a scale-up; AnalysisRuns end as the test scripts.
 */
import type { AnalysisPhase } from "../../src/api/analysis-run.ts";
import type { Rollout, RolloutInput } from "../../src/api/rollout.ts";
import { rolloutSchema } from "../../src/api/rollout.ts";
import { promote as cliPromote } from "../../src/cli/actions/promote.ts";
import { decideThrough } from "../../src/core/decide-through.ts";
import { introducedBy } from "../../src/core/invariants.ts";
import type { Observed, ObservedReplicaSet, ObservedSubsets, RouterProblem } from "../../src/core/observed.ts";
import type { Action, AnalysisRole, FailedMetric, Plan } from "../../src/core/plan.ts";
import { templateOf } from "../../src/core/rollout-template.ts";

/** failedMetrics: what observe() reads of a run that failed (src/controller/failed-metrics.ts). */
export type RunScript = (name: string, role: AnalysisRole) => { phase: AnalysisPhase; message?: string; afterMs?: number; failedMetrics?: FailedMetric[] };

type SimRun = {
  name: string; role: AnalysisRole; phase: AnalysisPhase; message?: string | undefined; endsAt: number; final: AnalysisPhase; stopped: boolean; createdAt: string;
  failedMetrics?: FailedMetric[] | undefined;
};

export class SimulatedCluster {
  replicaSets = new Map<string, ObservedReplicaSet & { readyAt: number }>();
  services: Record<string, { podHash?: string | undefined }> = {};
  routing: { canaryWeight: number; headerRoutes: string[]; mirrorRoutes: string[] } | undefined;
  routerProblem: RouterProblem | undefined;
  /** Istio by DestinationRule subsets (set it to model one): the hashes the subsets are pinned to, as the router reads them back. */
  subsets: ObservedSubsets | undefined;
  runs = new Map<string, SimRun>();
  missingReferences: Observed["missingReferences"] = [];
  events: Extract<Action, { kind: "Event" }>[] = [];
  /** Every action ever applied, in order. */
  log: Action[] = [];
  now: number;
  readyAfterMs = 0;
  script: RunScript = () => ({ phase: "Successful" });
  name: string;

  constructor(rolloutName: string, services: string[], withRouter: boolean, start = Date.parse("2026-11-23T10:00:00Z")) {
    this.name = rolloutName;
    for (const s of services) this.services[s] = {};
    this.routing = withRouter ? { canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] } : undefined;
    this.now = start;
  }

  observed(): Observed {
    for (const rs of this.replicaSets.values()) {
      const available = this.now >= rs.readyAt ? rs.replicas : Math.min(rs.availableReplicas, rs.replicas);
      rs.availableReplicas = available;
      rs.readyReplicas = available;
    }
    for (const run of this.runs.values()) if (!run.stopped && this.now >= run.endsAt) run.phase = run.final;
    return {
      replicaSets: [...this.replicaSets.values()].map(({ readyAt: _r, ...rs }) => ({ ...rs })),
      services: Object.fromEntries(Object.entries(this.services).map(([name, s]) => [name, { name, podHash: s.podHash }])),
      routing: this.routerProblem
        ? { ok: false, problem: this.routerProblem }
        : this.routing
          ? { ok: true, canaryWeight: this.routing.canaryWeight, managedRoutes: [...this.routing.headerRoutes, ...this.routing.mirrorRoutes], ...(this.subsets ? { subsets: { ...this.subsets } } : {}) }
          : undefined,
      analysisRuns: [...this.runs.values()].map((r) => ({
        name: r.name, phase: r.phase, message: r.message, terminated: r.stopped, createdAt: r.createdAt,
        ...(r.failedMetrics && (r.phase === "Failed" || r.phase === "Error") ? { failedMetrics: r.failedMetrics } : {}),
      })),
      missingReferences: this.missingReferences,
    };
  }

  /**
   * Carry out the plan. Given the Rollout it was decided for, each action is also judged by the invariants of
   * src/core/invariants.ts right after it (this world is kinder than a cluster, but it must be safe too).
   */
  apply(plan: Plan, rollout?: Rollout): void {
    for (const action of plan.actions) {
      const before = rollout ? this.observed() : undefined;
      this.applyOne(action);
      if (rollout && before) {
        const broken = introducedBy(rollout, before, this.observed(), action)[0];
        if (broken) throw new Error(`invariant (${broken.invariant}) broken by ${JSON.stringify(action)}: ${broken.message}`);
      }
    }
  }

  private applyOne(action: Action): void {
    {
      this.log.push(action);
      switch (action.kind) {
        case "CreateReplicaSet":
          this.replicaSets.set(action.podHash, {
            name: `${this.name}-${action.podHash}`, podHash: action.podHash, revision: action.revision,
            replicas: action.replicas, readyReplicas: 0, availableReplicas: 0, readyAt: this.now + this.readyAfterMs,
            ...(action.podMetadata ? { podMetadata: action.podMetadata } : {}),
          });
          break;
        case "ScaleReplicaSet": {
          const rs = [...this.replicaSets.values()].find((r) => r.name === action.name);
          if (!rs) throw new Error(`scale of unknown ReplicaSet ${action.name}`);
          if (action.replicas > rs.replicas) rs.readyAt = this.now + this.readyAfterMs;
          rs.replicas = action.replicas;
          rs.availableReplicas = Math.min(rs.availableReplicas, action.replicas);
          break;
        }
        case "SetScaleDownDeadline": {
          const rs = [...this.replicaSets.values()].find((r) => r.name === action.name);
          if (rs) rs.scaleDownDeadline = action.deadline ?? undefined;
          break;
        }
        case "SetPodMetadata": {
          const rs = [...this.replicaSets.values()].find((r) => r.name === action.name);
          if (rs) rs.podMetadata = action.metadata;
          break;
        }
        case "DeleteAnalysisRun":
          this.runs.delete(action.name);
          break;
        case "DeleteReplicaSet":
          for (const [hash, rs] of this.replicaSets) if (rs.name === action.name) this.replicaSets.delete(hash);
          break;
        case "Route":
          if (!this.routing) throw new Error("Route without a router");
          if (this.subsets && action.subsets) this.subsets = { ...action.subsets };
          this.routing = {
            canaryWeight: action.want.canaryWeight,
            headerRoutes: action.want.headerRoutes.map((h) => h.name),
            mirrorRoutes: action.want.mirrorRoutes.map((m) => m.name),
          };
          break;
        case "PinService": {
          const svc = this.services[action.service];
          if (!svc) throw new Error(`pin of unknown Service ${action.service}`);
          svc.podHash = action.podHash;
          break;
        }
        case "StartAnalysis": {
          if (this.runs.has(action.name)) throw new Error(`duplicate AnalysisRun ${action.name}`);
          const outcome = this.script(action.name, action.role);
          this.runs.set(action.name, {
            name: action.name, role: action.role, phase: "Running", message: outcome.message,
            endsAt: this.now + (outcome.afterMs ?? 0), final: outcome.phase, stopped: false, createdAt: new Date(this.now).toISOString(),
            failedMetrics: outcome.failedMetrics,
          });
          break;
        }
        case "StopAnalysis": {
          const run = this.runs.get(action.name);
          if (run) run.stopped = true;
          break;
        }
        case "Event":
          this.events.push(action);
          break;
      }
    }
  }

  weightOf(): number | undefined {
    return this.routing?.canaryWeight;
  }
}

export function makeRollout(input: RolloutInput): Rollout {
  return rolloutSchema.parse(input);
}

export function rolloutInput(strategy: RolloutInput["spec"]["strategy"], image = "acme/web:1", replicas = 4): RolloutInput {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "shop", generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } },
      strategy,
    },
  };
}

export function withImage(rollout: Rollout, image: string): Rollout {
  const next = structuredClone(rollout);
  const container = templateOf(next).spec.containers[0];
  if (container) container.image = image;
  next.metadata.generation = (next.metadata.generation ?? 1) + 1;
  return next;
}

/** statusFirst: the plan wrote this status before its actions (it acts on a step it records for the first time). */
export type Snapshot = { phase: string | undefined; step: number | undefined; weight: number | undefined; message: string | undefined; statusFirst?: true };

/**
 * Reconcile until nothing is left to do (no actions and nothing due), advancing the clock to the next due
 * time. Returns the rollout with its final status and a trace of every status.
 */
export function reconcileUntilSettled(rollout: Rollout, cluster: SimulatedCluster, options: { maxRounds?: number; stopWhen?: (r: Rollout) => boolean } = {}) {
  let current = rollout;
  const trace: Snapshot[] = [];
  for (let round = 0; round < (options.maxRounds ?? 200); round++) {
    // What the controller runs (reconcile.ts): decide() and the plans that only record after it.
    const plan = decideThrough(current, cluster.observed(), new Date(cluster.now));
    cluster.apply(plan, current);
    const statusChanged = JSON.stringify(plan.status) !== JSON.stringify(current.status ?? {});
    current = { ...current, status: plan.status };
    trace.push({ phase: plan.status.phase, step: plan.status.currentStepIndex, weight: cluster.weightOf(), message: plan.status.message, ...(plan.statusFirst ? { statusFirst: true as const } : {}) });
    if (options.stopWhen?.(current)) return { rollout: current, trace, plan };
    // A status write wakes the controller again (its own watch), so only an unchanged status lets time pass.
    const onlyEvents = plan.actions.every((a) => a.kind === "Event");
    if (onlyEvents && !statusChanged) {
      const pods = [...cluster.replicaSets.values()].map((rs) => rs.readyAt).filter((t) => t > cluster.now);
      const runs = [...cluster.runs.values()].filter((r) => !r.stopped && r.phase === "Running" && r.endsAt > cluster.now).map((r) => r.endsAt);
      const due = [plan.requeueAfterMs === undefined ? Infinity : cluster.now + plan.requeueAfterMs, ...pods, ...runs];
      const next = Math.min(...due);
      if (!Number.isFinite(next)) return { rollout: current, trace, plan };
      cluster.now = Math.max(next, cluster.now + 1);
    }
  }
  throw new Error(`did not settle; last status: ${JSON.stringify(current.status?.message)}`);
}

/** What a user's `sluice promote` writes (the CLI's own pure function): one gate released. */
export function promote(rollout: Rollout): Rollout {
  return { ...rollout, status: cliPromote(rollout, { full: false }).status };
}
