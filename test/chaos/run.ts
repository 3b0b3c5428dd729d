/**
 * `npm run chaos [-- --long] [--seed N] [--scenario NAME]...`: the sandbox scenarios on real processes under
 * controller SIGKILLs, API faults, watch drops and Prometheus trouble, with invariants (a), (b), (c) polled
 * throughout. Prints one table; exits 1 on any violation, a wrong final phase, or a blind poller.
 * The seed fixes every random choice of the schedule (which fault, when, how long); the machine's timing still
 * varies, so a seed replays the same kind of run rather than the same run to the millisecond.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { prometheusInstalled } from "../../src/sandbox/prometheus.ts";
import { SCENARIOS, type Scenario } from "../../src/sandbox/scenario/scenarios.ts";
import { runChaosScenario, type ScenarioReport } from "./chaos-scenario.ts";
import { PROFILES } from "./profile.ts";
import { chooser } from "./random-choice.ts";
import { reportTable } from "./report-table.ts";

/** The chaos scenarios: the sandbox's own, blue-green with a post-promotion analysis as well. */
const CHAOS_SCENARIOS: Record<string, Scenario> = {
  "canary-abort": SCENARIOS["canary-abort"],
  "canary-promote": SCENARIOS["canary-promote"],
  "blue-green": {
    ...SCENARIOS["blue-green"],
    title: "v2 behind the preview Service, pre-promotion analysis, the switch, post-promotion analysis",
    postPromotionAnalysis: true,
  },
};

const { values } = parseArgs({
  options: {
    long: { type: "boolean", default: false },
    seed: { type: "string" },
    scenario: { type: "string", multiple: true },
    rounds: { type: "string" },
  },
});

const say = (line: string) => process.stdout.write(`${line}\n`);

if (!prometheusInstalled()) {
  say("chaos: Prometheus is not installed (apt-get install -y prometheus); the chaos suite needs a real one");
  process.exit(1);
}
const profile = { ...PROFILES[values.long ? "long" : "ci"] };
if (values.rounds !== undefined) profile.rounds = Number(values.rounds);
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const names = values.scenario ?? Object.keys(CHAOS_SCENARIOS);
const unknown = names.filter((n) => !(n in CHAOS_SCENARIOS));
if (!Number.isInteger(seed) || unknown.length > 0 || !(profile.rounds >= 1)) {
  say(`chaos: usage: npm run chaos -- [--long] [--seed N] [--rounds N] [--scenario ${Object.keys(CHAOS_SCENARIOS).join("|")}]...`);
  process.exit(2);
}

const runDir = join(tmpdir(), `sluice-chaos-${seed}-${Date.now()}`);
say(`chaos: profile ${profile.name}, seed ${seed} (repeat with: npm run chaos -- ${values.long ? "--long " : ""}--seed ${seed}); controller logs in ${runDir}`);
const root = chooser(seed);
const started = Date.now();
const reports: ScenarioReport[] = [];
let failed = false;
// Only a full run is held to the kill minimum: one scenario alone (--scenario) is for reproducing. The minimum
// is what a run must show, whatever the machine's speed: when the rounds asked for end short of it (faster
// rollouts mean fewer kills per round), further rounds run, at most two, before the run counts as failed.
const fullRun = values.scenario === undefined;
const minKills = profile.minKillsPerRound * profile.rounds;
const killsSoFar = () => reports.reduce((n, r) => n + r.controller.kills, 0);
for (let round = 0; round < profile.rounds || (fullRun && !failed && killsSoFar() < minKills && round < profile.rounds + 2); round++) {
  if (round >= profile.rounds) say(`chaos: ${killsSoFar()} kills after ${round} round(s), fewer than ${minKills}: one more round`);
  for (const name of names) {
    const scenario = CHAOS_SCENARIOS[name];
    if (!scenario) continue;
    // Each run's own seed, so one scenario can be repeated alone: --scenario NAME --seed <its seed>.
    const runSeed = profile.rounds === 1 && names.length === 1 ? seed : root.fork(`${round}/${name}`).int(1, 2 ** 31 - 1);
    try {
      const report = await runChaosScenario(scenario, profile, runSeed, chooser(runSeed), runDir, say);
      reports.push(report);
      if (!report.ok) failed = true;
      say(`chaos: ${name}: ${report.final} (expected ${scenario.expect}), ${report.controller.kills} kills, ${report.invariants.checks} checks, ${report.invariants.violatingChecks} violations — ${report.ok ? "OK" : `NOT OK (log: ${report.logFile})`}`);
    } catch (error) {
      failed = true;
      say(`chaos: ${name} (seed ${runSeed}) could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
}
const kills = killsSoFar();
if (fullRun && kills < minKills) {
  failed = true;
  say(`chaos: only ${kills} controller kills; a full run needs at least ${minKills}`);
}
say("");
say(reportTable(reports, Date.now() - started));
say("");
say(`chaos: ${failed ? "FAILED" : "passed"} in ${Math.round((Date.now() - started) / 1000)} s (seed ${seed})`);
process.exit(failed ? 1 : 0);
