/**
 * Histories for the adversarial world: a rollout spec and a script of what happens (reconciles that fail
 * part-way, stale caches, time passing, users promoting, aborting, retrying and pushing new revisions, hands
 * editing the router), all plain JSON so a shrunk failing case can be kept in corpus.json and replayed.
 *
 * `runHistory` plays one: decide() on what the controller would read, each action applied to the true state
 * and checked against src/core/invariants.ts right after it, then a calm end (no faults, promotes when paused)
 * that must settle: the rollout ends Healthy, Aborted, or waiting on pods that never become ready.
 */
import fc from "fast-check";
import type { AnalysisPhase } from "../../../src/api/analysis-run.ts";
import { rolloutSchema, type Rollout, type RolloutInput } from "../../../src/api/rollout.ts";
import { abort as cliAbort, retry as cliRetry } from "../../../src/cli/actions/abort-retry.ts";
import { promote as cliPromote } from "../../../src/cli/actions/promote.ts";
import { RefusedError } from "../../../src/cli/errors.ts";
import { decideThrough } from "../../../src/core/decide-through.ts";
import { abortViolations, introducedBy, progressViolations, promoteViolations, routeViolations, type Violation } from "../../../src/core/invariants.ts";
import type { Observed } from "../../../src/core/observed.ts";
import type { Plan } from "../../../src/core/plan.ts";
import { podTemplateHash } from "../../../src/core/pod-template-hash.ts";
import { NEVER, World, WorldConflict, type Failure } from "./world.ts";
import { templateOf } from "../../../src/core/rollout-template.ts";

export type UserEvent =
  | { kind: "promote" }
  | { kind: "promoteFull" }
  | { kind: "abort" }
  | { kind: "retry" }
  | { kind: "newRevision" }
  | { kind: "revert" }
  | { kind: "pause"; paused: boolean }
  | { kind: "replicas"; replicas: number };

export type HistoryEvent =
  | { kind: "reconcile"; fail?: { at: number; failure: Failure } | undefined; stale: [boolean, boolean, boolean]; racingUser?: UserEvent | undefined }
  /** Time passes: `ms`, or 0 = to the next thing due (pods ready, a run ending, the plan's requeue). */
  | { kind: "wait"; ms: number }
  | { kind: "user"; event: UserEvent }
  | { kind: "foreignWeight"; weight: number }
  | { kind: "routerProblem"; on: boolean };

export type History = {
  strategy: RolloutInput["spec"]["strategy"];
  replicas: number;
  progressDeadlineAbort: boolean;
  podDelays: number[][];
  runOutcomes: { phase: AnalysisPhase; afterMs: number }[];
  events: HistoryEvent[];
  /** The Rollout takes its template from a Deployment of `replicas` ready pods (workloadRef), scaled down so. */
  workload?: { scaleDown: "never" | "onsuccess" | "progressively"; replicas: number } | undefined;
};

/** What the histories played so far did, for the suite's summary line. */
export const played = { histories: 0, reconciles: 0, actions: 0, failedWrites: 0, deferred: 0, statusFirst: 0, promotes: 0, aborts: 0, newRevisions: 0 };

export function summary(): string {
  const p = played;
  return `${p.histories} histories, ${p.reconciles} reconciles, ${p.actions} actions each followed by the invariant checks, ${p.failedWrites} writes failed or stopped a plan, ${p.deferred} actions deferred by plan safety, ${p.statusFirst} plans with their status written first, ${p.promotes} promotes, ${p.aborts} aborts, ${p.newRevisions} new revisions: 0 violations`;
}

export class InvariantBroken extends Error {
  readonly violation: Violation;
  readonly at: string;
  constructor(violation: Violation, at: string) {
    super(`(${violation.invariant}) ${violation.message} — at ${at}`);
    this.name = "InvariantBroken";
    this.violation = violation;
    this.at = at;
  }
}

// ---- generators --------------------------------------------------------------------------------------------

const analysis = { templates: [{ templateName: "t" }] };

const canaryStep = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 100 }).map((w) => ({ setWeight: w })) },
  { weight: 3, arbitrary: fc.constantFrom({ pause: {} }, { pause: { duration: "30s" } }, { pause: { duration: 0 } }) },
  { weight: 2, arbitrary: fc.constant({ analysis }) },
  { weight: 1, arbitrary: fc.constantFrom({ setCanaryScale: { replicas: 2 } }, { setCanaryScale: { weight: 50 } }, { setCanaryScale: { matchTrafficWeight: true } }) },
  { weight: 1, arbitrary: fc.constantFrom({ setHeaderRoute: { name: "qa", match: [{ headerName: "x-qa", headerValue: { exact: "1" } }] } }, { setHeaderRoute: { name: "qa" } }) },
);

const surgeOrUnavailable = fc.constantFrom<number | string>(0, 1, 2, "25%", "50%");

/** A canary through a router: by default Gateway API with its two Services. */
const routedCanary = (routing: Record<string, unknown> = { stableService: "s", canaryService: "c", trafficRouting: { gatewayAPI: { httpRoute: "r" } } }) =>
  fc.record({
    steps: fc.array(canaryStep, { minLength: 1, maxLength: 6 }),
    background: fc.boolean(),
    scaleDownDelaySeconds: fc.constantFrom(0, 30),
    abortScaleDownDelaySeconds: fc.constantFrom(0, 30),
  }).map(({ steps, background, scaleDownDelaySeconds, abortScaleDownDelaySeconds }) => ({
    canary: {
      ...routing,
      steps: steps as never,
      scaleDownDelaySeconds,
      abortScaleDownDelaySeconds,
      ...(background ? { analysis } : {}),
    },
  }));

export const routedCanaryStrategy = routedCanary();

/** Argo's Istio subset-level splitting: no Services at all, the DestinationRule's subsets are the traffic paths. */
export const subsetCanaryStrategy = routedCanary({
  trafficRouting: { istio: { virtualService: { name: "vs" }, destinationRule: { name: "dr", stableSubsetName: "stable", canarySubsetName: "canary" } } },
});

/** The routed canary with dynamicStableScale: stable shrinks to its traffic share, and invariant (g) is in play. */
export const dynamicStableCanaryStrategy = routedCanaryStrategy.map((s) => ({ canary: { ...s.canary, dynamicStableScale: true } }));

/** Subsets without Services and dynamicStableScale: stable's capacity is read through the stable subset's pin. */
export const dynamicStableSubsetStrategy = subsetCanaryStrategy.map((s) => ({ canary: { ...s.canary, dynamicStableScale: true } }));

export const podCanaryStrategy = fc.record({
  steps: fc.array(canaryStep.filter((s) => !("setHeaderRoute" in s) && !("setCanaryScale" in s)), { minLength: 1, maxLength: 6 }),
  maxSurge: surgeOrUnavailable,
  maxUnavailable: surgeOrUnavailable,
  stableService: fc.boolean(),
}).filter((s) => !(s.maxSurge === 0 && s.maxUnavailable === 0)).map(({ steps, maxSurge, maxUnavailable, stableService }) => ({
  canary: { steps: steps as never, maxSurge, maxUnavailable, ...(stableService ? { stableService: "s" } : {}) },
}));

export const blueGreenStrategy = fc.record({
  autoPromotionEnabled: fc.boolean(),
  autoPromotionSeconds: fc.constantFrom(undefined, 0, 30),
  previewReplicaCount: fc.constantFrom(undefined, 1),
  pre: fc.boolean(),
  post: fc.boolean(),
  maxUnavailable: fc.constantFrom<number | string>(0, 1, "50%"),
  scaleDownDelaySeconds: fc.constantFrom(0, 30),
}).map(({ pre, post, autoPromotionSeconds, previewReplicaCount, ...rest }) => ({
  blueGreen: {
    activeService: "active",
    previewService: "preview",
    ...rest,
    ...(autoPromotionSeconds !== undefined ? { autoPromotionSeconds } : {}),
    ...(previewReplicaCount !== undefined ? { previewReplicaCount } : {}),
    ...(pre ? { prePromotionAnalysis: analysis } : {}),
    ...(post ? { postPromotionAnalysis: analysis } : {}),
  },
}));

const userEvent: fc.Arbitrary<UserEvent> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: "promote" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "promoteFull" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "abort" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "retry" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "newRevision" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "revert" as const }) },
  { weight: 1, arbitrary: fc.boolean().map((paused) => ({ kind: "pause" as const, paused })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map((replicas) => ({ kind: "replicas" as const, replicas })) },
);

const failure = fc.constantFrom<Failure>("conflict", "error", "timeout-landed", "timeout-lost", "crash");

const reconcileEvent = fc.record({
  fail: fc.option(fc.record({ at: fc.integer({ min: 0, max: 4 }), failure }), { freq: 3, nil: undefined }),
  stale: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
  racingUser: fc.option(userEvent, { freq: 8, nil: undefined }),
}).map((r): HistoryEvent => ({ kind: "reconcile", ...r }));

export function historyOf(strategy: fc.Arbitrary<History["strategy"]>, withRouter: boolean, withWorkload = false): fc.Arbitrary<History> {
  const event: fc.Arbitrary<HistoryEvent> = fc.oneof(
    { weight: 10, arbitrary: reconcileEvent },
    { weight: 4, arbitrary: fc.constantFrom(0, 0, 500, 5_000, 60_000, 3_600_000).map((ms): HistoryEvent => ({ kind: "wait", ms })) },
    { weight: 3, arbitrary: userEvent.map((e): HistoryEvent => ({ kind: "user", event: e })) },
    { weight: withRouter ? 1 : 0, arbitrary: fc.integer({ min: 0, max: 100 }).map((weight): HistoryEvent => ({ kind: "foreignWeight", weight })) },
    { weight: withRouter ? 1 : 0, arbitrary: fc.boolean().map((on): HistoryEvent => ({ kind: "routerProblem", on })) },
  );
  const delays = fc.array(fc.constantFrom(0, 0, 1_000, 10_000, 120_000, NEVER), { minLength: 1, maxLength: 4 });
  return fc.record({
    strategy,
    replicas: fc.integer({ min: 1, max: 5 }),
    progressDeadlineAbort: fc.boolean(),
    // Revision 1 (the first deployment) comes up; later ones may be slow or never ready. With a workloadRef
    // Deployment serving meanwhile, the first one may be slow too: that is when scaling it down is a hazard.
    podDelays: fc.array(delays, { minLength: 1, maxLength: 4 }).map((d) => (withWorkload ? [[0], ...d] : [[0], [0], ...d])),
    runOutcomes: fc.array(
      fc.record({ phase: fc.constantFrom<AnalysisPhase>("Successful", "Successful", "Failed", "Inconclusive", "Error"), afterMs: fc.constantFrom(0, 5_000, 60_000, 900_000) }),
      { minLength: 1, maxLength: 5 },
    ),
    events: fc.array(event, { minLength: 5, maxLength: 45 }),
    workload: withWorkload
      ? fc.record({ scaleDown: fc.constantFrom<"never" | "onsuccess" | "progressively">("never", "onsuccess", "progressively"), replicas: fc.integer({ min: 0, max: 5 }) })
      : fc.constant(undefined),
  });
}

// ---- playing a history -------------------------------------------------------------------------------------

function rolloutFor(h: History): Rollout {
  const parsed = rolloutSchema.parse({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "shop", generation: 1 },
    spec: {
      replicas: h.replicas,
      progressDeadlineSeconds: 120,
      progressDeadlineAbort: h.progressDeadlineAbort,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "acme/web:1" }] } },
      strategy: h.strategy,
    },
  });
  // workloadRef: the controller copies the Deployment's template into the Rollout it decides on
  // (src/controller/workload-ref.ts), so the world's Rollout carries both, as decide() sees it.
  return h.workload ? { ...parsed, spec: { ...parsed.spec, workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: WORKLOAD, scaleDown: h.workload.scaleDown } } } : parsed;
}

const WORKLOAD = "web-deployment";

const servicesOf = (r: Rollout): string[] => {
  const { canary, blueGreen } = r.spec.strategy;
  return [canary?.stableService, canary?.canaryService, blueGreen?.activeService, blueGreen?.previewService].filter((s): s is string => s !== undefined);
};

function withImage(r: Rollout, image: string): Rollout {
  const next = structuredClone(r);
  const container = templateOf(next).spec.containers[0];
  if (container) container.image = image;
  next.metadata.generation = (next.metadata.generation ?? 1) + 1;
  return next;
}

export type Played = { rollout: Rollout; reconciles: number; world: World; neverReady: boolean };

export class HistoryPlayer {
  readonly world: World;
  private images = 1;
  private lastRequeue: number | undefined;
  reconciles = 0;
  /** What happened, one line per reconcile or event: the tail goes into a violation's message. */
  readonly trace: string[] = [];
  private readonly fault = (v: Violation, at: string) => {
    throw new InvariantBroken(v, `${at}\n  last events:\n    ${this.trace.slice(-12).join("\n    ")}`);
  };

  readonly history: History;

  constructor(history: History) {
    this.history = history;
    const rollout = rolloutFor(history);
    this.world = new World(rollout, {
      podDelays: history.podDelays,
      runOutcomes: history.runOutcomes,
      services: servicesOf(rollout),
      withRouter: rollout.spec.strategy.canary?.trafficRouting !== undefined,
      workload: history.workload ? { name: WORKLOAD, replicas: history.workload.replicas } : undefined,
    });
  }

  private check(violations: Violation[], at: string): void {
    const first = violations[0];
    if (first) this.fault(first, at);
  }

  /**
   * One reconcile as the controller runs it: read, observe, decide, execute until a failure, write status
   * (or, for a plan marked statusFirst, write status, then execute until a failure).
   * However it ends, the controller's caches have its own writes before its next reconcile (the controller
   * waits for them: src/controller/write-tracker.ts), so the stalest view afterwards includes them.
   */
  reconcile(event: Extract<HistoryEvent, { kind: "reconcile" }>, label: string): Plan {
    try {
      return this.reconcileOnce(event, label);
    } finally {
      this.world.takeSnapshot();
    }
  }

  private reconcileOnce(event: Extract<HistoryEvent, { kind: "reconcile" }>, label: string): Plan {
    const w = this.world;
    this.reconciles++;
    const read = structuredClone(w.rollout);
    const observed: Observed = w.observed({ replicaSets: event.stale[0], services: event.stale[1], runs: event.stale[2] });
    const now = new Date(w.now);
    // What the controller runs (reconcile.ts).
    const plan = decideThrough(read, observed, now);
    played.reconciles++;
    played.deferred += plan.deferred?.length ?? 0;
    if (plan.statusFirst) played.statusFirst++;
    this.lastRequeue = plan.requeueAfterMs;
    const seen = (o: Observed) => `rs ${o.replicaSets.map((r) => `${r.podHash.slice(0, 4)}:${r.replicas}/${r.availableReplicas}`).join(",")} svc ${Object.entries(o.services).map(([n, v]) => `${n}→${v.podHash?.slice(0, 4) ?? "*"}`).join(",")} route ${o.routing ? (o.routing.ok ? o.routing.canaryWeight : "problem") : "-"}${o.workload ? ` deployment ${o.workload.replicas}/${o.workload.availableReplicas}` : ""}`;
    this.trace.push(
      `${label} t=${(w.now - Date.parse("2026-11-23T10:00:00Z")) / 1000}s saw [${seen(observed)}] → ${plan.status.phase} "${plan.status.message ?? ""}" actions ${plan.actions.filter((a) => a.kind !== "Event").map((a) => JSON.stringify(a)).join(" ")}${plan.deferred ? ` deferred ${plan.deferred.map((a) => JSON.stringify(a)).join(" ")}` : ""}${event.fail ? ` fail@${event.fail.at}:${event.fail.failure}` : ""}${event.racingUser ? ` racing:${event.racingUser.kind}` : ""}`,
    );
    this.check(abortViolations(read, observed, plan), `${label}: the plan`);
    this.check(progressViolations(read, observed, plan, now), `${label}: the plan`);
    if (plan.statusFirst) {
      // The status goes out before any action (after the Events, which change nothing here): killed before it,
      // or beaten by a user's write (409), nothing happens.
      if (event.fail && event.fail.at >= plan.actions.length && event.fail.failure === "crash") return plan;
      if (event.racingUser) {
        this.user(event.racingUser, `${label}: racing user`);
        return plan;
      }
      w.rollout = { ...w.rollout, status: plan.status };
    }
    for (const [i, action] of plan.actions.entries()) {
      if (action.kind === "Route") this.check(routeViolations(action.want), `${label}: action ${i}`);
      const failing = event.fail !== undefined && event.fail.at === i && action.kind !== "Event";
      if (failing) played.failedWrites++;
      if (failing && event.fail?.failure !== "timeout-landed") return plan;
      const before = w.trueState();
      try {
        w.apply(action);
      } catch (error) {
        if (error instanceof WorldConflict) {
          played.failedWrites++;
          return plan; // 409: the plan stops, the next reconcile decides again
        }
        throw error;
      }
      played.actions++;
      this.check(introducedBy(read, before, w.trueState(), action), `${label}: action ${i} ${JSON.stringify(action)}`);
      if (failing) return plan; // landed, but the executor saw a timeout: the plan stops here
    }
    if (plan.statusFirst) return plan;
    if (event.fail && event.fail.at >= plan.actions.length && event.fail.failure === "crash") return plan; // killed before the status write
    if (event.racingUser) {
      // A user's write lands between our read and our status write: ours gets 409 and is lost.
      this.user(event.racingUser, `${label}: racing user`);
      return plan;
    }
    w.rollout = { ...w.rollout, status: plan.status };
    return plan;
  }

  user(event: UserEvent, label: string): void {
    const w = this.world;
    const r = w.rollout;
    this.trace.push(`${label}`);
    if (event.kind === "promote" || event.kind === "promoteFull") played.promotes++;
    if (event.kind === "abort") played.aborts++;
    if (event.kind === "newRevision") played.newRevisions++;
    try {
      switch (event.kind) {
        case "promote":
        case "promoteFull": {
          const status = cliPromote(r, { full: event.kind === "promoteFull" }).status;
          this.check(promoteViolations(r.status ?? {}, status), label);
          w.rollout = { ...r, status };
          return;
        }
        case "abort":
          w.rollout = { ...r, status: cliAbort(r).status };
          return;
        case "retry":
          w.rollout = { ...r, status: cliRetry(r).status };
          return;
        case "newRevision":
          w.rollout = withImage(r, `acme/web:${++this.images}`);
          return;
        case "revert":
          if (this.images > 1) w.rollout = withImage(r, `acme/web:${--this.images}`);
          return;
        case "pause":
          w.rollout = { ...r, spec: { ...r.spec, paused: event.paused } };
          return;
        case "replicas":
          w.rollout = { ...r, spec: { ...r.spec, replicas: event.replicas } };
          return;
      }
    } catch (error) {
      if (!(error instanceof RefusedError)) throw error;
    }
  }

  wait(ms: number): void {
    const w = this.world;
    if (ms > 0) {
      w.now += ms;
      return;
    }
    const due = [w.nextDue(), this.lastRequeue === undefined ? undefined : w.now + this.lastRequeue].filter((t): t is number => t !== undefined);
    w.now = Math.max(w.now + 1, Math.min(...due, w.now + 60_000));
  }

  play(event: HistoryEvent, label: string): void {
    switch (event.kind) {
      case "reconcile":
        this.reconcile(event, label);
        return;
      case "wait":
        this.wait(event.ms);
        return;
      case "user":
        this.user(event.event, `${label}: user ${event.event.kind}`);
        return;
      case "foreignWeight":
        this.trace.push(`${label}: foreign weight ${event.weight}`);
        this.world.foreignWeight(event.weight);
        return;
      case "routerProblem":
        this.trace.push(`${label}: router problem ${event.on}`);
        this.world.setRouterProblem(event.on);
        return;
    }
  }

  /** No more faults: reconcile, let time pass, promote whatever holds, until nothing is left to do. */
  settle(maxRounds = 400): Played {
    const w = this.world;
    w.setRouterProblem(false);
    let quiet = 0;
    let promotes = 0;
    for (let round = 0; round < maxRounds; round++) {
      const before = JSON.stringify(w.rollout.status ?? {});
      const plan = this.reconcile({ kind: "reconcile", stale: [false, false, false] }, `settle ${round}`);
      const changed = JSON.stringify(plan.status) !== before || plan.actions.some((a) => a.kind !== "Event");
      if (changed) {
        quiet = 0;
        continue;
      }
      const phase = plan.status.phase;
      if (phase === "Healthy" || phase === "Aborted") return this.result(false);
      if (++quiet > 6) return this.result(true);
      if (w.rollout.spec.paused) this.user({ kind: "pause", paused: false }, "settle: resume");
      else if (phase === "Paused") {
        // Each gate needs its own promote; a background analysis that is inconclusive every round needs one per round.
        if (++promotes > 25) return this.result(!/inconclusive/.test(plan.status.message ?? ""));
        this.user({ kind: "promote" }, "settle: promote");
      }
      const due = [w.nextDue(), plan.requeueAfterMs === undefined ? undefined : w.now + plan.requeueAfterMs].filter((t): t is number => t !== undefined);
      w.now = Math.max(w.now + 1, Math.min(...due, w.now + 3_600_000));
    }
    throw new Error(`did not settle in ${maxRounds} rounds: ${w.rollout.status?.phase}: ${w.rollout.status?.message}`);
  }

  private result(stuck: boolean): Played {
    // Stuck is fine while the pods it waits for never become ready: the new version's, or the stable's (a first
    // deployment that never came up, then a new revision whose step keeps every pod on stable).
    const waitedOn = [podTemplateHash(templateOf(this.world.rollout)), this.world.rollout.status?.stableRS];
    const neverReady = this.world.trueState().replicaSets.some((r) => waitedOn.includes(r.podHash) && r.availableReplicas < r.replicas);
    if (stuck && !neverReady) throw new Error(`stuck without a reason: ${this.world.rollout.status?.phase}: ${this.world.rollout.status?.message}`);
    return { rollout: this.world.rollout, reconciles: this.reconciles, world: this.world, neverReady };
  }
}

/** The whole history: calm first deployment, the events, the calm end. Throws InvariantBroken on a violation. */
export function runHistory(h: History): Played {
  played.histories++;
  const player = new HistoryPlayer(h);
  player.settle();
  h.events.forEach((event, i) => player.play(event, `event ${i} (${event.kind})`));
  return player.settle();
}
