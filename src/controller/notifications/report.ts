/**
 * The release report of a completed or aborted notification, read when it is delivered: the Rollout's
 * AnalysisRuns, listed fresh (the informer cache keeps no measurements), and the pure builder over them. One
 * list per notification, shared by its receivers. A run that does not parse is left out rather than guessed at.
 */
import { analysisRunSchema, type AnalysisRun } from "../../api/analysis-run.ts";
import { API_GROUP_VERSION } from "../../api/group.ts";
import { releaseReport, type ReleaseReport } from "../../analysis/release-report.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import { ROLLOUT_LABEL } from "../labels.ts";
import type { Notification } from "./events.ts";

export async function readReport(kube: Pick<KubeClient, "list">, n: Notification): Promise<ReleaseReport | undefined> {
  if (n.revision === undefined) return undefined;
  const raw = await kube.list(API_GROUP_VERSION, "AnalysisRun", n.rollout.namespace, `${ROLLOUT_LABEL}=${n.rollout.name}`);
  const runs = raw.map((r) => analysisRunSchema.safeParse(r)).filter((p) => p.success).map((p): AnalysisRun => p.data);
  return releaseReport({ rolloutName: n.rollout.name, revision: n.revision, retryCount: n.retryCount, runs });
}
