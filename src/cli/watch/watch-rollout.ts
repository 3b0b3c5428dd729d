/**
 * Follow a Rollout, its ReplicaSets and its AnalysisRuns through the watch API (no polling). Each collection
 * keeps its cache across reconnects (see collection-watch.ts), so a dropped or timed-out stream never makes a
 * live Rollout look deleted: "deleted" is reported only when the Rollout really left the cache (a DELETED
 * event, or a relist after 410 Gone that no longer holds it).
 */
import { AppsV1Api, CustomObjectsApi, type KubernetesListObject } from "@kubernetes/client-node";
import { API_GROUP, API_GROUP_VERSION, API_VERSION } from "../../api/group.ts";
import { ROLLOUT_LABEL } from "../../controller/labels.ts";
import { toPlainObject, type KubeObject } from "../../kube/kube-client.ts";
import type { Cluster } from "../cluster.ts";
import { typedRollout } from "../rollout-access.ts";
import { typedRun, type RolloutState } from "../rollout-state.ts";
import { watchCollection, type CollectionSource } from "./collection-watch.ts";

export type WatchEvent = { kind: "state"; state: RolloutState } | { kind: "deleted" } | { kind: "error"; message: string };

/** List items come without apiVersion/kind on the wire (and client-node's models carry Dates): plain objects again. */
function plainList(list: { metadata?: { resourceVersion?: string } | undefined; items: unknown[] }, apiVersion: string, kind: string): KubernetesListObject<KubeObject> {
  const items = list.items.map((item) => ({ ...toPlainObject(item as KubeObject), apiVersion, kind }));
  return { metadata: { resourceVersion: list.metadata?.resourceVersion ?? "" }, items };
}

function sources(cluster: Cluster, name: string): [CollectionSource, CollectionSource, CollectionSource] {
  const namespace = cluster.namespace;
  const ns = encodeURIComponent(namespace);
  const labelSelector = `${ROLLOUT_LABEL}=${name}`;
  const fieldSelector = `metadata.name=${name}`;
  const custom = cluster.kc.makeApiClient(CustomObjectsApi);
  const apps = cluster.kc.makeApiClient(AppsV1Api);
  type CustomList = { metadata?: { resourceVersion?: string }; items: unknown[] };
  const ours = { group: API_GROUP, version: API_VERSION, namespace };
  return [
    {
      plural: "rollouts",
      path: `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/rollouts`,
      fieldSelector,
      list: async () => plainList((await custom.listNamespacedCustomObject({ ...ours, plural: "rollouts", fieldSelector })) as CustomList, API_GROUP_VERSION, "Rollout"),
    },
    {
      plural: "replicasets",
      path: `/apis/apps/v1/namespaces/${ns}/replicasets`,
      labelSelector,
      list: async () => plainList(await apps.listNamespacedReplicaSet({ namespace, labelSelector }), "apps/v1", "ReplicaSet"),
    },
    {
      plural: "analysisruns",
      path: `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/analysisruns`,
      labelSelector,
      list: async () => plainList((await custom.listNamespacedCustomObject({ ...ours, plural: "analysisruns", labelSelector })) as CustomList, API_GROUP_VERSION, "AnalysisRun"),
    },
  ];
}

export function watchRollout(cluster: Cluster, name: string, onEvent: (event: WatchEvent) => void): { stop(): void } {
  let stopped = false;
  let present = false;
  let pending = false;

  const emit = () => {
    pending = false;
    if (stopped) return;
    const raw = rollouts.objects().find((o) => o.metadata.name === name);
    if (!raw) {
      // Once per disappearance: ReplicaSets going after their Rollout must not say it again.
      if (present) onEvent({ kind: "deleted" });
      present = false;
      return;
    }
    present = true;
    onEvent({
      kind: "state",
      state: {
        raw,
        rollout: typedRollout(raw),
        replicaSets: [...replicaSets.objects()],
        analysisRuns: analysisRuns.objects().map(typedRun),
      },
    });
  };
  // One report per burst: a relist or a stream's initial events change many objects at once, and a
  // half-applied batch is a state that never existed.
  const changed = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(emit);
  };
  const failed = (message: string) => {
    if (!stopped) onEvent({ kind: "error", message });
  };
  const handlers = { onChange: changed, onError: failed };
  const [rolloutSource, setSource, runSource] = sources(cluster, name);
  const rollouts = watchCollection(cluster.kc, rolloutSource, handlers);
  const replicaSets = watchCollection(cluster.kc, setSource, handlers);
  const analysisRuns = watchCollection(cluster.kc, runSource, handlers);
  return {
    stop() {
      stopped = true;
      for (const c of [rollouts, replicaSets, analysisRuns]) c.stop();
    },
  };
}
