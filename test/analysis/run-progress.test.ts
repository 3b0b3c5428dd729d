/** Table tests of the pure executor: limits, phases, dry run, initial delay, terminate, restart-safe schedule. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analysisRunSpecSchema, type AnalysisPhase, type AnalysisRunStatus, type Measurement } from "../../src/api/analysis-run.ts";
import { advanceRun, finalLooksAtTermination, type AnalysisRunSpec } from "../../src/analysis/run-progress.ts";

const T0 = new Date("2026-01-01T00:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function spec(metric: Record<string, unknown>, more: Record<string, unknown>[] = [], extra: Record<string, unknown> = {}): AnalysisRunSpec {
  const base = { name: "m", provider: { prometheus: { query: "up" } }, successCondition: { max: 1 } };
  return analysisRunSpecSchema.parse({ metrics: [{ ...base, ...metric }, ...more.map((m) => ({ ...base, ...m }))], ...extra });
}

function measurement(phase: AnalysisPhase, second: number, extra: Partial<Measurement> = {}): Measurement {
  return { phase, value: "0", startedAt: at(second).toISOString(), finishedAt: at(second).toISOString(), message: `${phase} at ${second}`, ...extra };
}

/** Feed phases one at a time, each at its due time; return the status after each. */
function play(s: AnalysisRunSpec, phases: AnalysisPhase[], metric = "m"): AnalysisRunStatus[] {
  let status = advanceRun(s, undefined, [], at(0)).status;
  const seen: AnalysisRunStatus[] = [];
  let clock = 0;
  for (const phase of phases) {
    clock += 1;
    status = advanceRun(s, status, [{ metric, measurement: measurement(phase, clock) }], at(clock)).status;
    seen.push(status);
  }
  return seen;
}

const S: AnalysisPhase = "Successful";
const F: AnalysisPhase = "Failed";
const I: AnalysisPhase = "Inconclusive";
const E: AnalysisPhase = "Error";

describe("advanceRun: limits and phases", () => {
  const cases: Array<{ name: string; metric: Record<string, unknown>; phases: AnalysisPhase[]; want: AnalysisPhase[] }> = [
    { name: "failureLimit 0: first failure fails", metric: { interval: "1s", count: 3 }, phases: [S, F], want: ["Running", "Failed"] },
    { name: "failureLimit 1: second failure fails", metric: { interval: "1s", count: 5, failureLimit: 1 }, phases: [F, S, F], want: ["Running", "Running", "Failed"] },
    { name: "failures within the limit still succeed", metric: { interval: "1s", count: 3, failureLimit: 1 }, phases: [F, S, S], want: ["Running", "Running", "Successful"] },
    { name: "inconclusiveLimit 0", metric: { interval: "1s", count: 3 }, phases: [I], want: ["Inconclusive"] },
    { name: "inconclusiveLimit 2", metric: { interval: "1s", count: 9, inconclusiveLimit: 2 }, phases: [I, I, S, I], want: ["Running", "Running", "Running", "Inconclusive"] },
    { name: "consecutiveErrorLimit default 4: fifth error fails", metric: { interval: "1s", count: 3 }, phases: [E, E, E, E, E], want: ["Running", "Running", "Running", "Running", "Failed"] },
    { name: "a success resets the error streak", metric: { interval: "1s", count: 9 }, phases: [E, E, E, E, S, E, E], want: Array(7).fill("Running") },
    { name: "consecutiveErrorLimit 0: first error fails", metric: { interval: "1s", consecutiveErrorLimit: 0 }, phases: [E], want: ["Failed"] },
    { name: "errors do not count towards count", metric: { interval: "1s", count: 2 }, phases: [E, S, E, S], want: ["Running", "Running", "Running", "Successful"] },
    { name: "consecutiveSuccessLimit ends early", metric: { interval: "1s", consecutiveSuccessLimit: 2 }, phases: [S, I, S, S], want: ["Running", "Inconclusive", "Inconclusive", "Inconclusive"] },
    { name: "consecutiveSuccessLimit with tolerance", metric: { interval: "1s", consecutiveSuccessLimit: 2, inconclusiveLimit: 1 }, phases: [S, I, S, S], want: ["Running", "Running", "Running", "Successful"] },
    { name: "no interval: measured once", metric: {}, phases: [S], want: ["Successful"] },
    { name: "no interval: an error is retried", metric: {}, phases: [E, S], want: ["Running", "Successful"] },
    { name: "count reached without any success is never Successful", metric: { interval: "1s", count: 2, inconclusiveLimit: 5 }, phases: [I, I], want: ["Running", "Inconclusive"] },
    { name: "without count runs until decided", metric: { interval: "1s" }, phases: [S, S, S, S, S, S], want: Array(6).fill("Running") },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const phases = play(spec(c.metric), c.phases).map((s) => s.phase);
      assert.deepEqual(phases, c.want);
    });
  }

  it("counts every measurement and keeps the last measurementRetention", () => {
    const seen = play(spec({ interval: "1s", measurementRetention: 3 }), [S, E, F, S, I].slice(0, 2).concat([S, S, S]));
    const result = seen.at(-1)?.metricResults?.[0];
    assert.equal(result?.count, 5);
    assert.equal(result?.successful, 4);
    assert.equal(result?.error, 1);
    assert.equal(result?.measurements?.length, 3);
    assert.equal(result?.measurements?.[2]?.message, "Successful at 5");
  });

  it("the run message names the metric and the reason", () => {
    const last = play(spec({ interval: "1s", count: 3 }), [F]).at(-1);
    assert.equal(last?.phase, "Failed");
    assert.match(last?.message ?? "", /metric "m" failed: 1 failed measurement\(s\), limit 0; last: Failed at 1/);
    assert.ok(last?.completedAt);
  });

  it("applying the same measurement twice counts it once", () => {
    const s = spec({ interval: "1s" });
    const once = advanceRun(s, undefined, [{ metric: "m", measurement: measurement(S, 1) }], at(1)).status;
    const twice = advanceRun(s, once, [{ metric: "m", measurement: measurement(S, 1) }], at(1)).status;
    assert.deepEqual(twice, once);
  });

  it("a completed run does not change any more", () => {
    const s = spec({ interval: "1s", count: 1 });
    const done = play(s, [F]).at(-1);
    const again = advanceRun(s, done, [{ metric: "m", measurement: measurement(S, 9) }], at(9));
    assert.deepEqual(again.status, done);
    assert.deepEqual(again.due, []);
  });
});

describe("advanceRun: several metrics, dry run, terminate", () => {
  const two = () => spec({ name: "a", interval: "1s", count: 2 }, [{ name: "b", interval: "1s", count: 2 }]);

  it("the run succeeds only when every deciding metric did", () => {
    let status = advanceRun(two(), undefined, [], at(0)).status;
    status = advanceRun(two(), status, [{ metric: "a", measurement: measurement(S, 1) }, { metric: "a", measurement: measurement(S, 2) }], at(2)).status;
    assert.equal(status.phase, "Running");
    status = advanceRun(two(), status, [{ metric: "b", measurement: measurement(S, 1) }, { metric: "b", measurement: measurement(S, 2) }], at(2)).status;
    assert.equal(status.phase, "Successful");
  });

  it("one failed metric fails the run at once and settles the others", () => {
    let status = advanceRun(two(), undefined, [], at(0)).status;
    status = advanceRun(two(), status, [{ metric: "b", measurement: measurement(F, 1) }], at(1)).status;
    assert.equal(status.phase, "Failed");
    assert.deepEqual(status.metricResults?.map((r) => r.phase), ["Inconclusive", "Failed"]);
  });

  it("Failed outranks Inconclusive", () => {
    let status = advanceRun(two(), undefined, [], at(0)).status;
    status = advanceRun(two(), status, [{ metric: "a", measurement: measurement(I, 1) }, { metric: "b", measurement: measurement(F, 1) }], at(1)).status;
    assert.equal(status.phase, "Failed");
  });

  it("a dry-run metric never decides", () => {
    const s = spec({ name: "real", interval: "1s", count: 1 }, [{ name: "dry", interval: "1s", count: 1, dryRun: true }]);
    let status = advanceRun(s, undefined, [], at(0)).status;
    status = advanceRun(s, status, [{ metric: "dry", measurement: measurement(F, 1) }], at(1)).status;
    assert.equal(status.phase, "Running");
    assert.equal(status.metricResults?.find((r) => r.name === "dry")?.phase, "Failed");
    assert.equal(status.metricResults?.find((r) => r.name === "dry")?.dryRun, true);
    status = advanceRun(s, status, [{ metric: "real", measurement: measurement(S, 2) }], at(2)).status;
    assert.equal(status.phase, "Successful");
  });

  it("only dry-run metrics: Successful when measured, whatever they say", () => {
    const s = spec({ interval: "1s", count: 1, dryRun: true });
    const status = play(s, [F]).at(-1);
    assert.equal(status?.phase, "Successful");
    assert.match(status?.message ?? "", /dry run/);
  });

  it("terminate stops measuring: metrics settle where they stand, nothing is due", () => {
    const running = play(spec({ interval: "1s" }), [S, S]).at(-1);
    const stopped = advanceRun(spec({ interval: "1s" }, [], { terminate: true }), running, [], at(5));
    assert.equal(stopped.status.phase, "Successful");
    assert.match(stopped.status.message ?? "", /^terminated/);
    assert.deepEqual(stopped.due, []);
    const empty = advanceRun(spec({ interval: "1s" }, [], { terminate: true }), undefined, [], at(0));
    assert.equal(empty.status.phase, "Inconclusive");
    assert.deepEqual(empty.due, []);
  });
});

describe("advanceRun: schedule", () => {
  it("initialDelay delays the first measurement from the run's start", () => {
    const first = advanceRun(spec({ interval: "10s", initialDelay: "30s" }), undefined, [], at(0));
    assert.equal(first.status.phase, "Running");
    assert.equal(first.status.startedAt, at(0).toISOString());
    assert.deepEqual(first.due, [{ metric: "m", at: at(30) }]);
  });

  it("the next measurement is due one interval after the last one started, from stored status only", () => {
    const s = spec({ interval: "10s" });
    const start = advanceRun(s, undefined, [], at(0)).status;
    const after = advanceRun(s, start, [{ metric: "m", measurement: measurement(S, 3) }], at(4));
    assert.deepEqual(after.due, [{ metric: "m", at: at(13) }]);
    // A restarted runner (fresh process, much later) derives the same time from the stored status.
    const restarted = advanceRun(s, JSON.parse(JSON.stringify(after.status)) as AnalysisRunStatus, [], at(100));
    assert.deepEqual(restarted.due, [{ metric: "m", at: at(13) }]);
    assert.equal(restarted.status.startedAt, at(0).toISOString());
  });

  it("decided metrics are not due", () => {
    const s = spec({ name: "a", interval: "1s", count: 1 }, [{ name: "b", interval: "5s", count: 2 }]);
    let status = advanceRun(s, undefined, [], at(0)).status;
    const p = advanceRun(s, status, [{ metric: "a", measurement: measurement(S, 1) }], at(1));
    status = p.status;
    assert.deepEqual(p.due.map((d) => d.metric), ["b"]);
  });
});

describe("advanceRun: compare metrics and the judge's score", () => {
  const compareSpec = (critical: boolean) =>
    analysisRunSpecSchema.parse({
      metrics: [
        { name: "p99", interval: "1s", count: 1, compare: { query: "q", critical }, provider: { prometheus: {} } },
        { name: "errors", interval: "1s", count: 1, compare: { query: "q" }, provider: { prometheus: {} } },
      ],
    });
  const judged = (phase: AnalysisPhase, classification: string, second = 1) => measurement(phase, second, { metadata: { classification } });

  it("all Pass: Successful with score 100", () => {
    const s = compareSpec(false);
    const out = advanceRun(s, undefined, [{ metric: "p99", measurement: judged(S, "Pass") }, { metric: "errors", measurement: judged(S, "Pass") }], at(1));
    assert.equal(out.status.phase, "Successful");
    assert.equal(out.status.score, 100);
  });

  it("a metric without data: Inconclusive, never Successful", () => {
    const s = compareSpec(false);
    const seen = advanceRun(
      analysisRunSpecSchema.parse({ ...s, metrics: s.metrics.map((m) => ({ ...m, inconclusiveLimit: 1 })) }),
      undefined,
      [{ metric: "p99", measurement: judged(S, "Pass") }, { metric: "errors", measurement: judged(I, "NoData") }],
      at(1),
    );
    assert.equal(seen.status.phase, "Inconclusive");
    assert.match(seen.status.message ?? "", /metric "errors" was inconclusive: no successful measurement/);
  });

  it("a compare metric whose latest measurement had no data holds the score back (Inconclusive, score 0)", () => {
    const s = compareSpec(false);
    const tolerant = analysisRunSpecSchema.parse({ ...s, metrics: s.metrics.map((m) => ({ ...m, count: 2, inconclusiveLimit: 1 })) });
    let status = advanceRun(tolerant, undefined, [{ metric: "p99", measurement: judged(S, "Pass", 1) }, { metric: "p99", measurement: judged(S, "Pass", 2) }], at(2)).status;
    status = advanceRun(tolerant, status, [{ metric: "errors", measurement: judged(S, "Pass", 1) }, { metric: "errors", measurement: judged(I, "NoData", 2) }], at(2)).status;
    assert.equal(status.phase, "Inconclusive");
    assert.equal(status.score, 0);
    assert.match(status.message ?? "", /judge score 0; judge: 1 of 2 metrics without data: errors/);
  });

  it("a High metric fails the run", () => {
    const out = advanceRun(compareSpec(true), undefined, [{ metric: "p99", measurement: judged(F, "High") }], at(1));
    assert.equal(out.status.phase, "Failed");
  });
});

describe("advanceRun: a per-step compare metric without count ends with a final look at termination", () => {
  const judgeMetric = (more: Record<string, unknown> = {}) => ({ name: "p99", interval: "1s", compare: { query: "q" }, provider: { prometheus: {} }, ...more });
  const runSpec = (terminate: boolean) => analysisRunSpecSchema.parse({ metrics: [judgeMetric(), judgeMetric({ name: "counted", count: 5 }), { name: "errors", interval: "1s", successCondition: { max: 1 }, provider: { prometheus: { query: "up" } } }], terminate });
  const look = (phase: AnalysisPhase, second: number, decidedBy: string) => measurement(phase, second, { metadata: { classification: "Pass", decidedBy } });
  const running = () => {
    let status = advanceRun(runSpec(false), undefined, [], at(0)).status;
    for (const second of [1, 2]) {
      status = advanceRun(runSpec(false), status, ["p99", "counted", "errors"].map((metric) => ({ metric, measurement: metric === "errors" ? measurement(S, second) : look("Running", second, "none") })), at(second)).status;
    }
    return status;
  };

  it("only such a metric, already measuring, takes one; none before termination or after the run ended", () => {
    const status = running();
    assert.deepEqual(finalLooksAtTermination(runSpec(false), status), []);
    assert.deepEqual(finalLooksAtTermination(runSpec(true), status), ["p99"]);
    assert.deepEqual(finalLooksAtTermination(runSpec(true), advanceRun(runSpec(false), undefined, [], at(0)).status), [], "not measuring yet");
    const ended = advanceRun(runSpec(true), status, [], at(3)).status;
    assert.deepEqual(finalLooksAtTermination(runSpec(true), ended), []);
  });

  it("a request-judge metric without count takes one too", () => {
    const requests = { name: "req", interval: "1s", compare: { requests: { errors: "sum(e)", requests: "sum(r)" } }, provider: { prometheus: {} } };
    const spec = (terminate: boolean) => analysisRunSpecSchema.parse({ metrics: [requests], terminate });
    let status = advanceRun(spec(false), undefined, [], at(0)).status;
    status = advanceRun(spec(false), status, [{ metric: "req", measurement: measurement("Running", 1) }], at(1)).status;
    assert.deepEqual(finalLooksAtTermination(spec(true), status), ["req"]);
  });

  it("the final look decides the metric: its Pass is Successful, its failure Failed", () => {
    const passed = advanceRun(runSpec(true), running(), [{ metric: "p99", measurement: look(S, 3, "fixed-horizon") }], at(3)).status;
    assert.equal(passed.metricResults?.find((r) => r.name === "p99")?.phase, "Successful");
    const failed = advanceRun(runSpec(true), running(), [{ metric: "p99", measurement: measurement(F, 3, { metadata: { classification: "High", decidedBy: "fixed-horizon" } }) }], at(3)).status;
    assert.equal(failed.metricResults?.find((r) => r.name === "p99")?.phase, "Failed");
    assert.equal(failed.phase, "Failed");
    assert.match(failed.message ?? "", /^terminated: metric "p99" failed/);
  });

  it("without it, provisional looks never make a Successful metric", () => {
    const settled = advanceRun(runSpec(true), running(), [], at(3)).status;
    assert.equal(settled.metricResults?.find((r) => r.name === "p99")?.phase, "Inconclusive");
    assert.match(settled.metricResults?.find((r) => r.name === "p99")?.message ?? "", /no successful measurement before termination/);
  });
});
