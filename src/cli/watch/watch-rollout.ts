/**
 * Follow a Rollout, its ReplicaSets and its AnalysisRuns through the watch API (no polling). A watch
 * started without a resourceVersion begins with an ADDED event per existing object, so the caches fill
 * from the streams alone; when a stream ends (server timeout, dropped connection) it is started again
 * after a short pause and its cache rebuilt from the new initial events.
 */
import { Watch } from "@kubernetes/client-node";
import type { AnalysisRun } from "../../api/analysis-run.ts";
import { API_GROUP, API_VERSION } from "../../api/group.ts";
import { ROLLOUT_LABEL } from "../../controller/labels.ts";
import { toPlainObject, type KubeObject } from "../../kube/kube-client.ts";
import type { Cluster } from "../cluster.ts";
import { typedRollout } from "../rollout-access.ts";
import { typedRun, type RolloutState } from "../rollout-state.ts";

export type WatchEvent = { kind: "state"; state: RolloutState } | { kind: "deleted" } | { kind: "error"; message: string };

const RESTART_DELAY_MS = 1000;

type Stream = { path: string; query: Record<string, string>; objects: Map<string, KubeObject> };

export function watchRollout(cluster: Cluster, name: string, onEvent: (event: WatchEvent) => void): { stop(): void } {
  const ns = encodeURIComponent(cluster.namespace);
  const label = `${ROLLOUT_LABEL}=${name}`;
  const streams: Stream[] = [
    { path: `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/rollouts`, query: { fieldSelector: `metadata.name=${name}` }, objects: new Map() },
    { path: `/apis/apps/v1/namespaces/${ns}/replicasets`, query: { labelSelector: label }, objects: new Map() },
    { path: `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/analysisruns`, query: { labelSelector: label }, objects: new Map() },
  ];
  const [rolloutStream, setStream, runStream] = streams as [Stream, Stream, Stream];
  const watch = new Watch(cluster.kc);
  const controllers = new Set<AbortController>();
  let stopped = false;
  let seenRollout = false;

  const emit = () => {
    const raw = rolloutStream.objects.get(name);
    if (!raw) {
      if (seenRollout) onEvent({ kind: "deleted" });
      return;
    }
    seenRollout = true;
    onEvent({
      kind: "state",
      state: {
        raw,
        rollout: typedRollout(raw),
        replicaSets: [...setStream.objects.values()],
        analysisRuns: [...runStream.objects.values()].map((r) => typedRun(r) as AnalysisRun),
      },
    });
  };

  const start = async (stream: Stream): Promise<void> => {
    if (stopped) return;
    stream.objects.clear();
    const restart = (error?: unknown) => {
      if (stopped) return;
      if (error) onEvent({ kind: "error", message: `watch ${stream.path}: ${error instanceof Error ? error.message : String(error)}; reconnecting` });
      setTimeout(() => void start(stream), RESTART_DELAY_MS);
    };
    try {
      const controller = await watch.watch(
        stream.path,
        stream.query,
        (type: string, object: KubeObject) => {
          if (type === "BOOKMARK" || type === "ERROR") return;
          const plain = toPlainObject(object);
          if (type === "DELETED") stream.objects.delete(plain.metadata.name);
          else stream.objects.set(plain.metadata.name, plain);
          emit();
        },
        (error: unknown) => {
          controllers.delete(controller);
          restart(error && !(error instanceof Error && error.name === "AbortError") ? error : undefined);
        },
      );
      controllers.add(controller);
    } catch (error) {
      restart(error);
    }
  };

  for (const stream of streams) void start(stream);
  return {
    stop() {
      stopped = true;
      for (const c of controllers) c.abort();
    },
  };
}
