/** `-o json|yaml` for read commands: the objects as the API server returned them. */
import { stringify } from "yaml";

export type OutputFormat = "json" | "yaml" | undefined;

export const outputOption = {
  alias: "o",
  choices: ["json", "yaml"] as const,
  describe: "Print the object(s) as JSON or YAML instead of the view",
} as const;

export function formatObjects(value: unknown, format: "json" | "yaml"): string {
  return format === "json" ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}

/** Terminal width for layout: the terminal's, else $COLUMNS, else a width that suits logs. */
export function terminalWidth(out: NodeJS.WriteStream): number {
  return out.columns || Number(process.env.COLUMNS) || 120;
}
