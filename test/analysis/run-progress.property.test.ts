/** Properties of the pure executor over random limits and random measurement phases. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { analysisRunSpecSchema, type AnalysisPhase, type AnalysisRunStatus } from "../../src/api/analysis-run.ts";
import { advanceRun } from "../../src/analysis/run-progress.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const TERMINAL = new Set(["Successful", "Failed", "Inconclusive", "Error"]);

const limits = fc.record({
  failureLimit: fc.integer({ min: 0, max: 3 }),
  inconclusiveLimit: fc.integer({ min: 0, max: 3 }),
  consecutiveErrorLimit: fc.integer({ min: 0, max: 4 }),
  count: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  consecutiveSuccessLimit: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  measurementRetention: fc.integer({ min: 1, max: 5 }),
  dryRun: fc.boolean(),
});
const phases = fc.array(fc.constantFrom<AnalysisPhase>("Successful", "Failed", "Inconclusive", "Error"), { maxLength: 25 });

describe("advanceRun properties", () => {
  it("never Successful without a Successful measurement; terminal is final; counters add up; limits hold", () => {
    fc.assert(
      fc.property(limits, phases, (metricLimits, sequence) => {
        const metric = { name: "m", interval: "1s", successCondition: { max: 1 }, provider: { prometheus: { query: "q" } }, ...metricLimits };
        if (metric.count === undefined) delete (metric as { count?: number }).count;
        if (metric.consecutiveSuccessLimit === undefined) delete (metric as { consecutiveSuccessLimit?: number }).consecutiveSuccessLimit;
        const spec = analysisRunSpecSchema.parse({ metrics: [metric] });
        let status: AnalysisRunStatus = advanceRun(spec, undefined, [], new Date(T0)).status;
        let terminalSince: string | undefined;
        let applied = 0;
        let streakErrors = 0;
        let failed = 0;
        for (const [i, phase] of sequence.entries()) {
          const at = new Date(T0 + (i + 1) * 1000);
          const before = JSON.stringify(status);
          status = advanceRun(spec, status, [{ metric: "m", measurement: { phase, startedAt: at.toISOString(), finishedAt: at.toISOString() } }], at).status;
          if (terminalSince !== undefined) {
            assert.equal(JSON.stringify(status), terminalSince, "a finished run changed");
            continue;
          }
          assert.notEqual(JSON.stringify(status), before);
          applied++;
          streakErrors = phase === "Error" ? streakErrors + 1 : 0;
          if (phase === "Failed") failed++;
          const result = status.metricResults?.[0];
          assert.ok(result);
          assert.equal(result.count, applied);
          assert.equal(result.successful + result.failed + result.inconclusive + result.error, result.count);
          assert.ok((result.measurements?.length ?? 0) <= metricLimits.measurementRetention);
          if (status.phase === "Successful" && !metricLimits.dryRun) assert.ok(result.successful > 0, "Successful without a successful measurement");
          if (!metricLimits.dryRun && (failed > metricLimits.failureLimit || streakErrors > metricLimits.consecutiveErrorLimit)) {
            assert.equal(status.phase, "Failed");
          }
          if (metricLimits.dryRun) assert.ok(status.phase === "Running" || status.phase === "Successful", `dry run decided ${status.phase}`);
          if (TERMINAL.has(status.phase ?? "")) terminalSince = JSON.stringify(status);
        }
      }),
      { numRuns: 400 },
    );
  });
});
