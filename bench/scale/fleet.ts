/**
 * N Rollouts in the sandbox API server, as issue 13 measured them: 2 replicas, steps [setWeight 50, pause 1s],
 * no router. The bench creates them, changes their image, and follows their status through one watch (cheaper
 * for the API server than listing 10,000 Rollouts every second, and it sees every transition).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { API_GROUP, API_GROUP_VERSION, API_VERSION } from "../../src/api/group.ts";
import { HttpKube } from "../../src/kube/http-kube.ts";
import type { KubeClient } from "../../src/kube/kube-client.ts";

export const NAMESPACE = "default";
export const name = (i: number): string => `app-${i}`;
/** Steps a cycle walks through: setWeight 50, pause 1s, then the promotion to 100%. */
export const STEPS_PER_CYCLE = 3;

/** Rollout i with 2 replicas and the given canary steps (issue 13's fleet by default). */
export const rollout = (i: number, image: string, steps: readonly unknown[] = [{ setWeight: 50 }, { pause: { duration: "1s" } }]) => ({
  apiVersion: API_GROUP_VERSION,
  kind: "Rollout",
  metadata: { name: name(i), namespace: NAMESPACE },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name(i) } },
    template: { metadata: { labels: { app: name(i) } }, spec: { containers: [{ name: "app", image }] } },
    strategy: { canary: { steps } },
  },
});

/** Run `task` for 0..n-1 with at most `width` in flight. */
export async function forEach(n: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

/** The bench's own client: the controller's plain-JSON one, so that creating 10,000 Rollouts is not the slow part. */
export function fleetClient(kc: KubeConfig): KubeClient {
  return new HttpKube(kc);
}

export const createFleet = (kube: KubeClient, n: number, image: string): Promise<void> => forEach(n, 32, (i) => kube.create(rollout(i, image)));

export const setImage = (kube: KubeClient, n: number, image: string): Promise<void> =>
  forEach(n, 32, (i) =>
    kube.mergePatch(
      { apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: NAMESPACE, name: name(i) },
      { spec: { template: { spec: { containers: [{ name: "app", image }] } } } },
    ),
  );

type Seen = { phase: string | undefined; generation: number; observedGeneration: number; stableRS: string | undefined; currentPodHash: string | undefined };

/** Every Rollout's latest status, from a list and then a watch of the Rollouts. */
export class FleetWatch {
  readonly seen = new Map<string, Seen>();
  eventsReceived = 0;
  private readonly abort = new AbortController();
  private readonly url: string;
  private constructor(url: string) {
    this.url = url;
  }

  static async start(apiUrl: string): Promise<FleetWatch> {
    const w = new FleetWatch(`${apiUrl}/apis/${API_GROUP}/${API_VERSION}/namespaces/${NAMESPACE}/rollouts`);
    const list = (await (await fetch(w.url)).json()) as { metadata: { resourceVersion: string }; items: Obj[] };
    for (const item of list.items) w.record(item);
    void w.follow(list.metadata.resourceVersion);
    return w;
  }

  private record(o: Obj): void {
    const s = o.status ?? {};
    this.seen.set(o.metadata.name, {
      phase: s.phase,
      generation: o.metadata.generation ?? 0,
      observedGeneration: Number(s.observedGeneration ?? 0),
      stableRS: s.stableRS,
      currentPodHash: s.currentPodHash,
    });
  }

  private async follow(resourceVersion: string): Promise<void> {
    let rv = resourceVersion;
    while (!this.abort.signal.aborted) {
      try {
        const res = await fetch(`${this.url}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`, { signal: this.abort.signal });
        if (!res.body) throw new Error("watch: no body");
        let buffered = "";
        for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            const event = JSON.parse(line) as { type: string; object: Obj };
            this.eventsReceived++;
            if (event.object.metadata.resourceVersion) rv = event.object.metadata.resourceVersion;
            if (event.type === "ADDED" || event.type === "MODIFIED") this.record(event.object);
          }
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        process.stderr.write(`bench watch restarting: ${error instanceof Error ? error.message : String(error)}\n`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Each Rollout's stable revision now: a cycle is over for a Rollout when its stable is no longer this one. */
  stables(): Map<string, string | undefined> {
    return new Map([...this.seen].map(([n, s]) => [n, s.stableRS]));
  }

  /** Rollouts Healthy on a stable that is their current revision, and not the one in `before`. */
  settled(before?: ReadonlyMap<string, string | undefined>): number {
    let n = 0;
    for (const [name, s] of this.seen) {
      if (s.phase !== "Healthy" || s.observedGeneration < s.generation || s.stableRS === undefined || s.stableRS !== s.currentPodHash) continue;
      if (before && before.get(name) === s.stableRS) continue;
      n++;
    }
    return n;
  }

  /** Resolves with the ms it took until `count` Rollouts are settled; rejects after `timeoutMs`. */
  async untilSettled(count: number, timeoutMs: number, before?: ReadonlyMap<string, string | undefined>, sinceMs = performance.now()): Promise<number> {
    while (this.settled(before) < count) {
      if (performance.now() - sinceMs > timeoutMs) throw new Error(`${this.settled(before)} of ${count} Rollouts settled after ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return performance.now() - sinceMs;
  }

  stop(): void {
    this.abort.abort();
  }
}

type Obj = {
  metadata: { name: string; resourceVersion?: string; generation?: number };
  status?: { phase?: string; observedGeneration?: number | string; stableRS?: string; currentPodHash?: string };
};
