/**
 * `sluice get rollout NAME`: the whole story of a rollout on one screen. Pure (state + clock + terminal
 * width + colour flag -> text), so the same inputs always render the same and snapshots can pin it down.
 */
import { effectiveSteps } from "../../api/canary-steps.ts";
import { formatDuration } from "../../api/duration.ts";
import type { AnalysisRun } from "../../api/analysis-run.ts";
import type { Rollout } from "../../api/rollout.ts";
import { routingThrough } from "../../core/canary/steps-so-far.ts";
import type { KubeObject } from "../../kube/kube-client.ts";
import { analysisLines, runsToShow } from "./analysis-lines.ts";
import { releaseReportLines } from "./release-report-lines.ts";
import { replicaSetRows, rolesByHash, type ReplicaSetRow } from "./replica-sets.ts";
import { currentStep, stepLines } from "./step-list.ts";
import { painter, truncate, wrap, type Colour, type Paint } from "./style.ts";
import { table } from "./table.ts";

export type RolloutViewInput = {
  rollout: Rollout;
  replicaSets: KubeObject[];
  analysisRuns: AnalysisRun[];
  now: Date;
  width: number;
  colour: boolean;
};

const LABEL_WIDTH = 12;

export const PHASE_STYLE: Record<string, { mark: string; colour: Colour }> = {
  Healthy: { mark: "✔", colour: "green" },
  Progressing: { mark: "◌", colour: "cyan" },
  Paused: { mark: "‖", colour: "yellow" },
  Degraded: { mark: "⚠", colour: "red" },
  Aborted: { mark: "✖", colour: "red" },
};

function field(label: string, value: string, paint: Paint): string {
  return `${paint(`${label}:`.padEnd(LABEL_WIDTH), "bold")}${value}`;
}

function imagesLine(rows: ReplicaSetRow[], rollout: Rollout, width: number): string[] {
  const byRole = new Map<string, string>();
  for (const row of rows) for (const role of row.roles) byRole.set(role, row.images.join(", "));
  // Before the controller made the ReplicaSet, the spec says what the new version will run.
  if (byRole.size === 0) byRole.set("spec", rollout.spec.template ? rollout.spec.template.spec.containers.map((c) => c.image ?? "?").join(", ") : `from Deployment ${rollout.spec.workloadRef?.name ?? "?"}`);
  const order = ["stable", "canary", "active", "preview", "spec"];
  return order
    .filter((role) => byRole.has(role))
    // The image is cut, never the role after it.
    .map((role, i) => `${i === 0 ? "Images:".padEnd(LABEL_WIDTH) : " ".repeat(LABEL_WIDTH)}${truncate(byRole.get(role) ?? "", width - LABEL_WIDTH - role.length - 3)} (${role})`);
}

function canaryLines(input: RolloutViewInput, paint: Paint): string[] {
  const { rollout, now, width } = input;
  const canary = rollout.spec.strategy.canary;
  if (!canary) return [];
  const steps = effectiveSteps(canary);
  const index = currentStep(rollout, steps);
  const s = rollout.status ?? {};
  const settled = index >= steps.length;
  const aborted = s.abort === true || s.phase === "Aborted";
  const desired = settled || aborted ? 0 : routingThrough(steps, index).canaryWeight;
  const actual = s.canary?.weights;
  const lines: string[] = [];
  if (steps.length > 0) {
    lines.push(field("Step", settled ? `${steps.length}/${steps.length} (all done)` : `${index + 1}/${steps.length}`, paint));
    lines.push(...stepLines(rollout, steps, now, width, paint));
  }
  const actualText = actual ? `actual ${actual.canary}% (stable ${actual.stable}%)` : "actual unknown";
  lines.push(field("Weight", `desired ${desired}%, ${actualText}`, paint));
  return lines;
}

function blueGreenLines(rollout: Rollout, paint: Paint): string[] {
  const bg = rollout.spec.strategy.blueGreen;
  if (!bg) return [];
  const roles = rolesByHash(rollout);
  const hashFor = (role: string) => [...roles.entries()].find(([, r]) => r.includes(role))?.[0];
  const lines = [field("Services", `${bg.activeService} (active) -> ${hashFor("active") ?? "?"}`, paint)];
  if (bg.previewService) lines.push(`${" ".repeat(LABEL_WIDTH)}${bg.previewService} (preview) -> ${hashFor("preview") ?? hashFor("active") ?? "?"}`);
  return lines;
}

/** " (BlueGreenPause for 5m0s)": how long each pause has held the rollout. */
function pausedFor(rollout: Rollout, now: Date): string {
  const pauses = rollout.status?.pauseConditions ?? [];
  if (pauses.length === 0) return rollout.spec.paused ? " (paused by the user)" : "";
  return ` (${pauses.map((p) => `${p.reason} for ${formatDuration(Math.max(0, now.getTime() - Date.parse(p.startTime)))}`).join(", ")})`;
}

export function renderRollout(input: RolloutViewInput): string {
  const { rollout, width } = input;
  const paint = painter(input.colour);
  const s = rollout.status ?? {};
  const phase = s.phase ?? "Progressing";
  const style = PHASE_STYLE[phase] ?? { mark: "·", colour: "dim" as Colour };
  const canary = rollout.spec.strategy.canary;
  const strategy = canary ? `Canary${canary.trafficRouting ? ` (${Object.keys(canary.trafficRouting).join(", ")})` : " (replica ratio)"}` : "BlueGreen";
  const rows = replicaSetRows(rollout, input.replicaSets);

  const lines = [
    field("Name", rollout.metadata.name ?? "", paint),
    field("Namespace", rollout.metadata.namespace ?? "default", paint),
    field("Strategy", strategy, paint),
    field("Phase", `${paint(`${style.mark} ${phase}`, style.colour)}${pausedFor(rollout, input.now)}`, paint),
  ];
  if (s.message) {
    const [first = "", ...rest] = wrap(s.message, width, LABEL_WIDTH);
    lines.push(field("Message", first, paint), ...rest);
  }
  lines.push(...canaryLines(input, paint), ...blueGreenLines(rollout, paint), ...imagesLine(rows, rollout, width));
  lines.push(field("Replicas", `desired ${rollout.spec.replicas}, ready ${s.readyReplicas ?? 0}, updated ${s.updatedReplicas ?? 0}`, paint));

  if (rows.length > 0) {
    lines.push("", paint("ReplicaSets", "bold"));
    const tableRows = rows.map((r) => [
      { text: r.hash },
      { text: String(r.revision) },
      { text: r.roles.join(",") || "-", colour: r.roles.includes("stable") || r.roles.includes("active") ? ("green" as Colour) : r.roles.length > 0 ? ("cyan" as Colour) : ("dim" as Colour) },
      { text: `${r.ready}/${r.desired}`, colour: r.ready < r.desired ? ("yellow" as Colour) : undefined },
      { text: r.images.join(", ") },
    ]);
    lines.push(...table(["HASH", "REV", "ROLE", "READY", "IMAGE"], tableRows, { width, indent: 2, flex: 4, paint }));
  }
  lines.push(...analysisLines(runsToShow(s, input.analysisRuns), width, paint));
  // Last, so the lines above keep their place in the watch view as the report's figures arrive.
  lines.push(...releaseReportLines(rollout, input.analysisRuns, width, paint));
  return `${lines.join("\n")}\n`;
}
