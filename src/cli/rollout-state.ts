/** Everything `get rollout` shows, read from the cluster: the Rollout, its ReplicaSets and AnalysisRuns. */
import type { AnalysisRun } from "../api/analysis-run.ts";
import { API_GROUP_VERSION } from "../api/group.ts";
import { parseSluiceObject } from "../api/objects.ts";
import type { Rollout } from "../api/rollout.ts";
import { ROLLOUT_LABEL } from "../controller/labels.ts";
import type { KubeObject } from "../kube/kube-client.ts";
import type { Cluster } from "./cluster.ts";
import { readRollout, typedRollout } from "./rollout-access.ts";

export type RolloutState = { raw: KubeObject; rollout: Rollout; replicaSets: KubeObject[]; analysisRuns: AnalysisRun[] };

/** AnalysisRuns as the schema types them; a run the schema rejects is still shown as far as it goes. */
export function typedRun(raw: KubeObject): AnalysisRun {
  const parsed = parseSluiceObject(raw);
  if (parsed.status === "valid" && parsed.object.kind === "AnalysisRun") return parsed.object.value;
  const run = raw as unknown as AnalysisRun;
  return { ...run, spec: { ...run.spec, metrics: run.spec?.metrics ?? [] } };
}

export async function readRolloutState(cluster: Cluster, name: string): Promise<RolloutState> {
  const selector = `${ROLLOUT_LABEL}=${name}`;
  const [raw, replicaSets, runs] = await Promise.all([
    readRollout(cluster, name),
    cluster.kube.list("apps/v1", "ReplicaSet", cluster.namespace, selector),
    cluster.kube.list(API_GROUP_VERSION, "AnalysisRun", cluster.namespace, selector),
  ]);
  return { raw, rollout: typedRollout(raw), replicaSets, analysisRuns: runs.map(typedRun) };
}
