// Fault injection for reliability tests: per-server rules, changeable at runtime, that make a
// fraction of matching requests fail (500, 429, 409), hang until the connection is dropped, or are
// served normally after a delay (a slow API server), plus a switch to cut every open watch connection.

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";
export type FaultKind = "error500" | "throttle429" | "conflict409" | "timeout" | "delay";

export interface FaultRule {
  fault: FaultKind;
  /** Fraction of matching requests that fail, 0..1. */
  fraction: number;
  /** Verbs the rule applies to (default: all). */
  verbs?: readonly Verb[];
  /** Resources as `plural` (core) or `plural.group` (default: all). */
  resources?: readonly string[];
  /** For "timeout": how long to hold the request before dropping the connection (default 30 s). */
  timeoutMs?: number;
  /** For "delay": how long to hold the request before serving it as usual (default 1 s). */
  delayMs?: number;
  /** For "throttle429": Retry-After seconds (default 1). */
  retryAfterSeconds?: number;
}

export interface FaultDecision {
  rule: FaultRule;
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private random: () => number;
  private readonly watchDroppers = new Set<(graceful: boolean) => void>();
  /** Count of injected faults by kind, for assertions. */
  readonly injected: Record<FaultKind, number> = { error500: 0, throttle429: 0, conflict409: 0, timeout: 0, delay: 0 };
  /** Requests the rules were consulted for (faulted or not): the denominator of the fault rate. */
  requests = 0;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  setRules(rules: readonly FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r }));
  }

  addRule(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  currentRules(): readonly FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  clear(): void {
    this.rules = [];
  }

  private watchLag = new Map<string, number>();

  /**
   * Late watches: events for these resources (`plural` or `plural.group`) reach watchers `ms` later, in order,
   * as from an API server under load. The objects themselves change at once: a read sees the new version.
   */
  setWatchLag(resources: readonly string[], ms: number): void {
    this.watchLag = new Map(ms > 0 ? resources.map((r) => [r, ms]) : []);
  }

  watchLagFor(resource: string): number {
    return this.watchLag.get(resource) ?? 0;
  }

  /** Deterministic failures for tests: e.g. a seeded PRNG. */
  setRandom(random: () => number): void {
    this.random = random;
  }

  decide(verb: Verb, resource: string): FaultDecision | undefined {
    this.requests++;
    for (const rule of this.rules) {
      if (rule.verbs && !rule.verbs.includes(verb)) continue;
      if (rule.resources && !rule.resources.includes(resource)) continue;
      if (this.random() < rule.fraction) {
        this.injected[rule.fault]++;
        return { rule };
      }
    }
    return undefined;
  }

  /** Register a way to cut one open watch; returns the unregister function. */
  trackWatch(drop: (graceful: boolean) => void): () => void {
    this.watchDroppers.add(drop);
    return () => this.watchDroppers.delete(drop);
  }

  openWatchCount(): number {
    return this.watchDroppers.size;
  }

  /**
   * Cut every open watch. Default: reset the connection (the client sees a network error);
   * `graceful`: end the stream cleanly, as when a server times a watch out.
   */
  dropWatches(options: { graceful?: boolean } = {}): number {
    const droppers = [...this.watchDroppers];
    this.watchDroppers.clear();
    for (const drop of droppers) drop(options.graceful ?? false);
    return droppers.length;
  }
}
