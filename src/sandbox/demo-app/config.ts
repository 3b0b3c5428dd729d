/** The demo app's behaviour, from environment variables (so the sandbox's workload runner can set it per pod). */
export interface DemoAppConfig {
  /** 0 = any free port (the chosen one is printed). */
  readonly port: number;
  readonly host: string;
  /** Share of requests answered 500, spread evenly (deterministic, not random). */
  readonly errorRate: number;
  /** Time every request takes. */
  readonly latencyMs: number;
  /** Extra time taken by the slowest `tailFraction` of requests, spread evenly. */
  readonly tailLatencyMs: number;
  readonly tailFraction: number;
  /** Exported on every metric as the constant label `rollouts_pod_template_hash`. */
  readonly podTemplateHash: string | undefined;
  /** Exit when stdin ends: the parent holds the other end of the pipe, so its death (even SIGKILL) ends us too. */
  readonly exitOnStdinEnd: boolean;
}

export class DemoConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DemoConfigError";
  }
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) throw new DemoConfigError(`${name} must be a number from ${min} to ${max} (got "${text}")`);
  return value;
}

export function demoConfigFrom(env: NodeJS.ProcessEnv): DemoAppConfig {
  return {
    port: number(env, "PORT", 8080, 0, 65535),
    host: env.HOST ?? "127.0.0.1",
    errorRate: number(env, "ERROR_RATE", 0, 0, 1),
    latencyMs: number(env, "LATENCY_MS", 0, 0, 600_000),
    tailLatencyMs: number(env, "TAIL_LATENCY_MS", 0, 0, 600_000),
    tailFraction: number(env, "TAIL_FRACTION", 0, 0, 1),
    podTemplateHash: env.POD_TEMPLATE_HASH || undefined,
    exitOnStdinEnd: env.EXIT_ON_STDIN_END === "1",
  };
}
