/**
 * Restart safety: the controller runs as a real process and is SIGKILLed at every step boundary and at random
 * moments in between (so some kills land in the middle of executing a plan). The rollout must end exactly as
 * without the kills: every step done in order, one AnalysisRun, the canary weight never going backwards.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { Watch } from "@kubernetes/client-node";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { thirdPartyCrdFiles } from "../../src/sandbox/crds/index.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { freePort } from "../helpers/free-port.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

let env: Env;
/** Every controller process started, so a failing test cannot leave one running (and the runner waiting). */
const started = new Set<ChildProcess>();
before(async () => {
  env = await startEnv({ preload: [thirdPartyCrdFiles.httpRoute], readyDelayMs: 40 });
});
after(async () => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
  await env?.stop();
});

let healthPort = 0;

function startControllerProcess(): ChildProcess {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, "src", "cli", "bin.ts"), "controller", "--kubeconfig", env.server.kubeconfigPath, "-n", "default", "--metrics-addr", "", "--health-addr", `127.0.0.1:${healthPort}`, "--no-run-analysis", "--log-level", "warn"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  started.add(child);
  return child;
}

/** Random kills are timed from when the new process is ready, so a loaded machine cannot starve progress. */
async function whenReady(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const ok = await fetch(`http://127.0.0.1:${healthPort}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

test("killed at every step boundary and at random moments, the canary ends exactly as without the kills", { timeout: 200_000 }, async () => {
  const svc = (name: string) => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
  await env.kube.create(svc("web-stable"));
  await env.kube.create(svc("web-canary"));
  await env.kube.create({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "web", namespace: "default" },
    spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: "web-stable", port: 80, weight: 100 }, { name: "web-canary", port: 80, weight: 0 }] }] },
  });
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisTemplate",
    metadata: { name: "ok", namespace: "default" },
    spec: { metrics: [{ name: "m", successCondition: { max: 1 }, provider: { prometheus: { query: "vector(0)" } } }] },
  });
  const steps = [{ setWeight: 10 }, { pause: { duration: 1 } }, { setWeight: 30 }, { analysis: { templates: [{ templateName: "ok" }] } }, { setWeight: 60 }, { pause: { duration: 1 } }, { setWeight: 90 }];
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "acme/web:1" }] } },
      strategy: { canary: { stableService: "web-stable", canaryService: "web-canary", trafficRouting: { gatewayAPI: { httpRoute: "web" } }, scaleDownDelaySeconds: 0, steps } },
    },
  });

  healthPort = await freePort();
  let child = startControllerProcess();
  const stderr: string[] = [];
  const collect = (c: ChildProcess) => c.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
  collect(child);
  await env.waitFor("v1 Healthy", async () => (statusOf(await env.rollout("web")).phase === "Healthy" ? true : undefined), 30_000);
  const v1Hash = statusOf(await env.rollout("web")).stableRS;
  await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "web" }, { spec: { template: { spec: { containers: [{ name: "app", image: "acme/web:2" }] } } } });

  const weights: number[] = [];
  const indices: number[] = [];
  // Every version of the HTTPRoute, from the watch API (no sampling gaps): the canary weight each one had.
  const routeWatch = new Watch(env.kc);
  const routeAbort = await routeWatch.watch("/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", {}, (_type, obj: { spec?: { rules?: { backendRefs?: { name: string; weight?: number }[] }[] } }) => {
    const w = obj.spec?.rules?.[0]?.backendRefs?.find((b) => b.name === "web-canary")?.weight ?? 0;
    if (weights.at(-1) !== w) weights.push(w);
  }, () => undefined);
  let kills = 0;
  let lastIndex = -1;
  await whenReady(child);
  let nextRandomKill = Date.now() + 300 + Math.floor(Math.random() * 1200);
  const deadline = Date.now() + 150_000;
  for (;;) {
    assert.ok(Date.now() < deadline, `did not finish; status: ${JSON.stringify(statusOf(await env.rollout("web")))}\n${stderr.join("")}`);
    const s = statusOf(await env.rollout("web"));
    if (s.currentStepIndex !== undefined && s.stableRS === v1Hash && s.currentPodHash !== v1Hash) indices.push(s.currentStepIndex);
    // Play the analysis executor: any AnalysisRun succeeds.
    for (const run of await env.kube.list(API_GROUP_VERSION, "AnalysisRun", "default")) {
      if (!(run.status as { phase?: string } | undefined)?.phase) await env.kube.replaceStatus({ ...run, status: { phase: "Successful" } }, "analysisruns").catch(() => undefined);
    }
    if (s.phase === "Healthy" && s.stableRS !== v1Hash) break;
    const boundary = s.currentStepIndex !== undefined && s.currentStepIndex !== lastIndex;
    if (boundary || Date.now() > nextRandomKill) {
      lastIndex = s.currentStepIndex ?? lastIndex;
      await kill(child);
      kills++;
      child = startControllerProcess();
      collect(child);
      await whenReady(child);
      nextRandomKill = Date.now() + 300 + Math.floor(Math.random() * 1200);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  await kill(child);
  routeAbort.abort();

  // Steps can pass faster than a process starts, so not every boundary gets its own kill; most do.
  assert.ok(kills >= 5, `killed ${kills} times`);
  // No step skipped and none repeated out of order: the index only ever grew, through every step.
  assert.ok(indices.every((v, i) => i === 0 || v >= (indices[i - 1] ?? 0)), `step index went backwards: ${indices.join(",")}`);
  const events = await env.kube.list("v1", "Event", "default");
  // A completed step is a StepCompleted Event, or the first part of the Event of what came right after it
  // ("completed step 1/7 (set weight 10%); paused at step 2/7 ...", reason RolloutPaused); a timed pause is
  // announced with its end ("paused at step 2/7 (pause 1s) until ...") and has no Event of its own when it ends.
  const told = new Set(events.filter((e) => e.type === "Normal").flatMap((e) => String(e.message).split("; ")));
  for (let i = 0; i < steps.length; i++) {
    const said = (prefix: string) => [...told].some((m) => m.startsWith(`${prefix} ${i + 1}/${steps.length}`));
    assert.ok(said("completed step") || ("pause" in (steps[i] ?? {}) && said("paused at step")), `step ${i + 1} never completed: ${[...told].join(" | ")}`);
  }
  // Until the promotion (100% to the new version, after which the new stable takes over at 0%), the canary
  // weight never went backwards, and every setWeight was reached.
  const untilPromotion = weights.slice(0, weights.indexOf(100) + 1);
  assert.ok(untilPromotion.length > 0, `the route reached 100% at promotion: ${weights.join(",")}`);
  assert.ok(untilPromotion.every((w, i) => i === 0 || w >= (untilPromotion[i - 1] ?? 0)), `weight went backwards: ${weights.join(",")}`);
  for (const w of [10, 30, 60, 90]) assert.ok(untilPromotion.includes(w), `weight ${w} never set: ${weights.join(",")}`);
  const runs = await env.kube.list(API_GROUP_VERSION, "AnalysisRun", "default");
  assert.equal(runs.length, 1, "exactly one AnalysisRun despite the kills");
  const final = statusOf(await env.rollout("web"));
  assert.equal(final.canary?.weights?.canary, 0);
});
