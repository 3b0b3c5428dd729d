/**
 * `sluice sandbox`: each scenario on a fresh sandbox environment, a summary per scenario, and an exit code
 * that says whether every scenario ended as it should. Everything is cleaned up on exit, SIGINT or a crash
 * (unless --keep, which leaves the environment running and says how to reach it).
 */
import type { Logger } from "pino";
import { startSandboxEnvironment, type SandboxEnvironment } from "./environment.ts";
import { runScenario, type ScenarioResult } from "./scenario/run-scenario.ts";
import { SCENARIOS, type ScenarioName } from "./scenario/scenarios.ts";
import { loadTraffic } from "./scenario/traffic.ts";

export type SandboxRunOptions = {
  scenarios: ScenarioName[];
  speed: number;
  headless: boolean;
  keep: boolean;
  autoPromote: boolean;
  out: NodeJS.WriteStream;
  log: Logger;
  kubeconfigPath?: string | undefined;
};

export async function runSandbox(options: SandboxRunOptions): Promise<boolean> {
  const say = (line: string) => options.out.write(`${line}\n`);
  const results: ScenarioResult[] = [];
  let env: SandboxEnvironment | undefined;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    say("sandbox: interrupted; cleaning up");
    void env?.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    for (const [i, name] of options.scenarios.entries()) {
      if (interrupted) break;
      const started = Date.now();
      env = await startSandboxEnvironment({ log: options.log, kubeconfigPath: options.kubeconfigPath });
      say(`sandbox: cluster at ${env.server.url} (kubeconfig ${env.server.kubeconfigPath}), Prometheus at ${env.prometheus.url}`);
      const result = await runScenario(env, SCENARIOS[name], {
        speed: options.speed,
        autoPromote: options.autoPromote,
        headless: options.headless,
        out: options.out,
        log: options.log,
        startTraffic: loadTraffic,
        timeoutMs: Math.max(60_000, 300_000 / options.speed),
      });
      results.push(result);
      say("");
      say(`sandbox: ${name}: ${result.outcome} (expected ${result.scenario.expect}) in ${Math.round((Date.now() - started) / 1000)}s — ${result.ok ? "OK" : "NOT OK"}`);
      say(result.table);
      for (const check of result.checks) say(`  ${check.ok ? "✔" : "✖"} ${check.what}`);
      say("");
      const last = i === options.scenarios.length - 1;
      if (options.keep && last) {
        say(`sandbox: left running (--keep). Try:\n  kubectl --kubeconfig ${env.server.kubeconfigPath} get rollouts\n  sluice --kubeconfig ${env.server.kubeconfigPath} get rollout demo --watch\nPress Ctrl-C to stop.`);
        await new Promise(() => undefined); // until SIGINT
      }
      await env.stop();
      env = undefined;
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await env?.stop();
  }
  const ok = results.length === options.scenarios.length && results.every((r) => r.ok);
  say(`sandbox: ${results.filter((r) => r.ok).length}/${options.scenarios.length} scenario(s) ended as they should`);
  return ok;
}
