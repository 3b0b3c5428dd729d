/**
 * The sandbox's scenarios: which version replaces which, with which strategy, and how it must end. A
 * version's behaviour is the demo app's environment (ERROR_RATE, LATENCY_MS, TAIL_LATENCY_MS, TAIL_FRACTION),
 * so versions differ the way real releases do and the analysis has something real to find.
 */
export type DemoVersion = { name: string; env: Record<string, string> };

export type ScenarioName = "canary-abort" | "canary-tail" | "canary-promote" | "blue-green";

export type Scenario = {
  name: ScenarioName;
  title: string;
  strategy: "canary" | "blueGreen";
  stable: DemoVersion;
  next: DemoVersion;
  /** How the rollout of `next` must end for the scenario to pass. */
  expect: "Aborted" | "Healthy";
  /** Requests per second the load generator sends through the gateway. */
  rate: number;
  /** Blue-green: check the new version again after the switch (the error-rate template), before it becomes stable. */
  postPromotionAnalysis?: boolean;
};

const healthy = (name: string): DemoVersion => ({ name, env: { ERROR_RATE: "0", LATENCY_MS: "20" } });

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  "canary-abort": {
    name: "canary-abort",
    title: "v2 answers 5% of requests with HTTP 500: aborted at the first analysis, stable back to 100%",
    strategy: "canary",
    stable: healthy("v1"),
    next: { name: "v2", env: { ERROR_RATE: "0.05", LATENCY_MS: "20" } },
    expect: "Aborted",
    rate: 100,
  },
  "canary-tail": {
    name: "canary-tail",
    title: "v2 is fine at p99 but its slowest 0.5% take +250 ms: caught by the p99.9 analysis and the judge",
    strategy: "canary",
    stable: healthy("v1"),
    next: { name: "v2", env: { ERROR_RATE: "0", LATENCY_MS: "20", TAIL_LATENCY_MS: "250", TAIL_FRACTION: "0.005" } },
    expect: "Aborted",
    rate: 250,
  },
  "canary-promote": {
    name: "canary-promote",
    title: "a good v2 walks every step and becomes stable",
    strategy: "canary",
    stable: healthy("v1"),
    next: healthy("v2"),
    expect: "Healthy",
    rate: 100,
  },
  "blue-green": {
    name: "blue-green",
    title: "v2 comes up behind the preview Service, is checked, then the active Service switches",
    strategy: "blueGreen",
    stable: healthy("v1"),
    next: healthy("v2"),
    expect: "Healthy",
    rate: 50,
  },
};

/** `demo`: the bad canary caught, then a good one promoted. */
export const DEMO: ScenarioName[] = ["canary-abort", "canary-promote"];

export function scenariosFor(name: string): ScenarioName[] | undefined {
  if (name === "demo") return DEMO;
  return name in SCENARIOS ? [name as ScenarioName] : undefined;
}
