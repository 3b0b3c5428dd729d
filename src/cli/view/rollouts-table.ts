/** `sluice get rollouts`: one line per Rollout (pure). */
import { formatDuration } from "../../api/duration.ts";
import type { Rollout } from "../../api/rollout.ts";
import { PHASE_STYLE } from "./render-rollout.ts";
import { painter, type Colour } from "./style.ts";
import { table } from "./table.ts";

/** "3d", "5h", "12m", "40s": the largest unit only, as kubectl's AGE column. */
export function age(from: string | undefined, now: Date): string {
  if (!from) return "-";
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / 1000));
  if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)}d`;
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}h`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m`;
  return formatDuration(seconds * 1000);
}

export function renderRolloutsTable(rollouts: Rollout[], options: { now: Date; width: number; colour: boolean; allNamespaces?: boolean }): string {
  const paint = painter(options.colour);
  if (rollouts.length === 0) return "";
  const rows = [...rollouts]
    .sort((a, b) => (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))
    .map((r) => {
      const s = r.status ?? {};
      const phase = s.phase ?? "Progressing";
      const weights = s.canary?.weights;
      return [
        ...(options.allNamespaces ? [{ text: r.metadata.namespace ?? "" }] : []),
        { text: r.metadata.name ?? "" },
        { text: r.spec.strategy.canary ? "canary" : "blue-green" },
        { text: phase, colour: (PHASE_STYLE[phase]?.colour ?? undefined) as Colour | undefined },
        { text: s.stepProgress ?? "-" },
        { text: r.spec.strategy.canary && weights ? `${weights.canary}/${weights.stable}` : "-" },
        { text: age(r.metadata.creationTimestamp, options.now) },
        { text: s.message ?? "" },
      ];
    });
  const header = [...(options.allNamespaces ? ["NAMESPACE"] : []), "NAME", "STRATEGY", "PHASE", "STEP", "WEIGHT", "AGE", "MESSAGE"];
  // The message column (the last) is the one that shrinks to fit the terminal.
  return `${table(header, rows, { width: options.width, indent: 0, flex: header.length - 1, paint }).join("\n")}\n`;
}
