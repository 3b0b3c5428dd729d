/**
 * One look of the request judge (a `compare.requests` metric): for each side, where its counters stand now
 * (the queries return the counters themselves), then the judge on the requests since the previous look: the
 * differences (counts/counter-deltas.ts), exact, with no extrapolation and no request counted twice. The
 * counters and the judge's state travel in the measurement's metadata (`counters`, `requestState`), so a
 * restarted runner goes on with them; so do the requests each side served over the looks (`served`, for the
 * release report).
 *
 * Phases: Failed as soon as the evidence that the canary is worse reaches 1/α (at any look: anytime-valid).
 * Until the last look, Running: no evidence either way is a verdict yet. The last look is Successful with at
 * least minRequests per side and Inconclusive without (too little traffic is never a pass).
 */
import type { Measurement } from "../api/analysis-run.ts";
import type { QueryResult, ResolvedArgs } from "../providers/types.ts";
import type { CumulativeBucket } from "./counts/bucket-counts.ts";
import { deltaOf, type SideCounters } from "./counts/counter-deltas.ts";
import { abortsAt, DEFAULT_LEVELS, judgeRequests, parseRequestState, serializeRequestState, type RequestJudgeSettings, type RequestJudgeState, type RequestJudgement } from "./counts/judge-counts.ts";
import { addServed, emptyServed, parseServed, serializeServed, type Served } from "./counts/served.ts";
import { requestAlpha, type RunBudget } from "./false-abort-budget.ts";
import { sameHashMessage } from "./measure-compare.ts";
import { describeFailure, errorMeasurement, type MeasureInput } from "./measure-threshold.ts";
import { formatNumber } from "./values.ts";

export interface RequestsInput extends MeasureInput {
  readonly canaryHash: string | undefined;
  readonly stableHash: string | undefined;
  /** Metadata of this metric's previous look (carries the judge's state and when it looked). */
  readonly previous?: Readonly<Record<string, string>> | undefined;
  /** This is the metric's last look: the verdict is final. */
  readonly final: boolean;
  /** The run's share of its revision's false-abort budget and the request-judge metrics it is split among. */
  readonly budget: RunBudget;
}

/**
 * The placeholders filled per side: {{podTemplateHash}}, and {{sides.NAME}} = the value of the arg
 * `canary-NAME` on the canary's side and of `stable-NAME` on stable's, for metrics that tell the versions apart
 * by something else than the pod-template hash (Istio and ingress-nginx name the Service a request went to).
 */
function sideExtras(args: ResolvedArgs, side: "canary" | "stable", hash: string): Map<string, string> {
  const extras = new Map([["podTemplateHash", hash]]);
  for (const [name, value] of args.values) if (name.startsWith(`${side}-`) && !args.secrets.has(name)) extras.set(`sides.${name.slice(side.length + 1)}`, value);
  return extras;
}

function previousState(previous: RequestsInput["previous"]): RequestJudgeState | undefined {
  const text = previous?.requestState;
  return text === undefined ? undefined : parseRequestState(text);
}

/**
 * The totals so far: none before the first look; a previous look without them (taken before sluice kept
 * them) or with damaged ones starts them again, marked partial: the requests before are not known.
 */
function previousServed(previous: RequestsInput["previous"]): Served {
  if (previous === undefined) return emptyServed();
  const parsed = previous.served === undefined ? undefined : parseServed(previous.served);
  return parsed ?? { ...emptyServed(), partial: true };
}

type Counters = { canary: SideCounters; stable: SideCounters };

function previousCounters(previous: RequestsInput["previous"]): Counters | undefined {
  const text = previous?.counters;
  if (text === undefined) return undefined;
  try {
    // JSON has no Infinity: the +Inf bucket is stored as null.
    const parsed = JSON.parse(text) as { canary: SideCounters; stable: SideCounters };
    const revive = (c: SideCounters): SideCounters => ({ ...c, ...(c.buckets ? { buckets: c.buckets.map((b) => ({ le: b.le ?? Number.POSITIVE_INFINITY, count: b.count })) } : {}) });
    return { canary: revive(parsed.canary), stable: revive(parsed.stable) };
  } catch {
    return undefined;
  }
}

function oneNumber(result: QueryResult, what: string): number | string {
  if (result.series.length > 1) return `${what} returned ${result.series.length} series; aggregate it to one with sum(...)`;
  const value = result.series[0]?.points[0]?.[1];
  // No series: a counter that never moved in the window (or never existed): nothing counted.
  return value === undefined || !Number.isFinite(value) ? 0 : Math.max(0, value);
}

function bucketsOf(result: QueryResult, what: string): CumulativeBucket[] | string {
  const buckets: CumulativeBucket[] = [];
  for (const series of result.series) {
    const le = series.labels.le;
    if (le === undefined) return `${what} returned a series without an le label; query the _bucket series with sum by (le) (...)`;
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    const count = series.points[0]?.[1] ?? 0;
    buckets.push({ le: bound, count: Number.isFinite(count) ? count : 0 });
  }
  return buckets;
}

function settingsOf(input: RequestsInput): RequestJudgeSettings {
  const compare = input.metric.compare;
  const r = compare?.requests;
  const alpha = requestAlpha(compare?.confidence ?? 0.98, input.budget);
  const percent = typeof compare?.maxIncrease === "string" ? Number.parseFloat(compare.maxIncrease) / 100 : 0;
  const common = { maxIncrease: percent, alpha, minRequests: r?.minRequests ?? 500 };
  return r?.errors !== undefined ? { kind: "errors", ...common, maxIncreaseBy: compare?.maxIncreaseBy } : { kind: "latency", ...common, levels: r?.levels ?? DEFAULT_LEVELS, slowerThan: r?.slowerThan };
}

/** Evidence to three significant digits: 611, 1.52, 0.701. */
const shortNumber = (x: number): string => String(Number(x.toPrecision(3)));

/** A share of requests, to two significant digits: 0.013%, 1.2%, 50%. */
const percentOf = (fraction: number): string => `${Number((100 * fraction).toPrecision(2))}%`;
const rate = (bad: number, all: number) => (all > 0 ? percentOf(bad / all) : "-");

/**
 * The allowance as the template states it: relative ("10% more") or absolute ("+0.2 percentage points", over
 * stable's error ratio as bounded from below so far: until stable fails a request, nothing can be evidence).
 */
function allowance(settings: RequestJudgeSettings, state: RequestJudgeState): string {
  const by = settings.kind === "errors" ? (settings.maxIncreaseBy ?? 0) : 0;
  if (by > 0) {
    const atLeast = state.stableErrorRatio?.atLeast ?? 0;
    const over = atLeast > 0 ? ` over stable's error ratio of at least ${percentOf(atLeast)}` : "; no evidence until stable has failed requests in an earlier look";
    return `, allowing +${Number((100 * by).toPrecision(3))} percentage points${over}`;
  }
  return settings.maxIncrease > 0 ? `, allowing ${percentOf(settings.maxIncrease)} more` : "";
}

function describe(j: RequestJudgement, settings: RequestJudgeSettings, final: boolean, planned: number | undefined): string {
  const s = j.strongest;
  const what = settings.kind === "errors" ? "failed" : s?.bound !== undefined ? `slower than ${formatNumber(s.bound)}` : "slow";
  const seen = s
    ? `canary ${Math.round(s.canaryBad)} of ${Math.round(j.canaryRequests)} requests ${what} (${rate(s.canaryBad, j.canaryRequests)}) vs stable ${Math.round(s.stableBad)} of ${Math.round(j.stableRequests)} (${rate(s.stableBad, j.stableRequests)})`
    : `canary ${Math.round(j.canaryRequests)} and stable ${Math.round(j.stableRequests)} requests`;
  const evidence = `evidence e=${shortNumber(j.eValue)} (aborts at ${shortNumber(abortsAt(settings))}${allowance(settings, j.state)})`;
  if (j.verdict === "High") {
    // The sequential test decides as soon as the evidence is there; a fixed-horizon test would wait for the last look.
    const when = planned !== undefined && planned > j.state.looks ? `; decided at look ${j.state.looks} of ${planned}` : "";
    return `canary worse: ${seen}; ${evidence}${when}`;
  }
  if (j.verdict === "NotYet") {
    const short = `not enough requests yet (${settings.minRequests} per side needed)`;
    return `${final ? "inconclusive: " : ""}${short}: ${seen}; ${evidence}`;
  }
  return `${final ? "no worse than stable" : "no evidence the canary is worse so far"}: ${seen}; ${evidence}`;
}

export async function measureRequests(input: RequestsInput): Promise<Measurement> {
  const { provider, metric, at } = input;
  const spec = metric.compare?.requests;
  if (!spec) return errorMeasurement(at, input.now(), "metric has no compare.requests");
  if (!input.canaryHash || !input.stableHash) {
    return errorMeasurement(at, input.now(), `compare needs both pod-template hashes: pass args "canary-pod-hash" (podTemplateHashValue: Latest) and "stable-pod-hash" (podTemplateHashValue: Stable)`);
  }
  if (input.canaryHash === input.stableHash) return errorMeasurement(at, input.now(), sameHashMessage(input.canaryHash));
  const warnings: string[] = [];
  const query = async (template: string, side: "canary" | "stable", hash: string, what: string): Promise<QueryResult | string> => {
    const rendered = provider.render(template, input.args, sideExtras(input.args, side, hash));
    if (!rendered.ok) return `${what}: ${rendered.message}`;
    const outcome = await provider.instant(metric, rendered.query, at, input.context);
    if (!outcome.ok) return `${what}: ${describeFailure(outcome)}`;
    warnings.push(...outcome.warnings);
    return outcome.value;
  };

  const counters: Counters = { canary: {}, stable: {} };
  for (const [side, hash] of [["canary", input.canaryHash], ["stable", input.stableHash]] as const) {
    if (spec.latency !== undefined) {
      const result = await query(spec.latency, side, hash, `${side} latency`);
      if (typeof result === "string") return errorMeasurement(at, input.now(), result, warnings);
      const buckets = bucketsOf(result, `${side} latency`);
      if (typeof buckets === "string") return errorMeasurement(at, input.now(), buckets, warnings);
      counters[side] = { buckets };
    } else if (spec.errors !== undefined && spec.requests !== undefined) {
      const errors = await query(spec.errors, side, hash, `${side} errors`);
      if (typeof errors === "string") return errorMeasurement(at, input.now(), errors, warnings);
      const requests = await query(spec.requests, side, hash, `${side} requests`);
      if (typeof requests === "string") return errorMeasurement(at, input.now(), requests, warnings);
      const e = oneNumber(errors, `${side} errors`);
      const n = oneNumber(requests, `${side} requests`);
      if (typeof e === "string") return errorMeasurement(at, input.now(), e, warnings);
      if (typeof n === "string") return errorMeasurement(at, input.now(), n, warnings);
      counters[side] = { requests: n, errors: e };
    }
  }

  const before = previousCounters(input.previous);
  const canary = deltaOf(before?.canary, counters.canary, "canary");
  const stable = deltaOf(before?.stable, counters.stable, "stable");
  const restart = canary.kind === "start" ? canary.why : stable.kind === "start" ? stable.why : undefined;
  const settings = settingsOf(input);
  const previous = previousState(input.previous);
  const judged =
    canary.kind === "look" && stable.kind === "look"
      ? judgeRequests(settings, { canary: canary.look, stable: stable.look }, previous)
      : judgeRequests(settings, { canary: { requests: 0 }, stable: { requests: 0 } }, previous); // a starting point: nothing to judge

  const servedBefore = previousServed(input.previous);
  const served = canary.kind === "look" && stable.kind === "look" ? addServed(servedBefore, { canary: canary.look, stable: stable.look }) : servedBefore;

  const phase: Measurement["phase"] = judged.verdict === "High" ? "Failed" : !input.final ? "Running" : judged.verdict === "Pass" ? "Successful" : "Inconclusive";
  const metadata: Record<string, string> = {
    classification: judged.verdict === "High" ? "High" : judged.verdict === "Pass" ? "Pass" : "NoData",
    decidedBy: "sequential",
    eValue: shortNumber(judged.eValue),
    // The level this look was judged at, after the revision's and the run's splits (aborts at 1/alpha, 2/alpha with maxIncreaseBy).
    alpha: formatNumber(settings.alpha),
    canaryRequests: String(Math.round(judged.canaryRequests)),
    stableRequests: String(Math.round(judged.stableRequests)),
    counters: JSON.stringify(counters),
    requestState: serializeRequestState(judged.state),
    served: serializeServed(served),
  };
  return {
    phase,
    value: `e=${shortNumber(judged.eValue)}`,
    startedAt: at.toISOString(),
    finishedAt: input.now().toISOString(),
    message: `${describe(judged, settings, input.final, metric.count)}${restart ? ` (${restart})` : ""}`,
    ...(warnings.length > 0 ? { warnings } : {}),
    metadata,
  };
}
