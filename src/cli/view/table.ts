/** A plain-text table that fits a width: columns padded, the flexible column cut with an ellipsis. */
import { columns, truncate, type Colour, type Paint } from "./style.ts";

export type Cell = { text: string; colour?: Colour | undefined };

/** `flex` = index of the column that gives up room when the table is too wide (images, messages). */
export function table(header: string[], rows: Cell[][], options: { width: number; indent: number; flex: number; paint: Paint }): string[] {
  const all: Cell[][] = [header.map((text) => ({ text, colour: "dim" as Colour })), ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => columns(r[c]?.text ?? ""))));
  const total = () => options.indent + widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  const over = total() - options.width;
  if (over > 0) widths[options.flex] = Math.max(6, (widths[options.flex] ?? 0) - over);
  return all.map((row) => {
    const cells = row.map((cell, c) => {
      const width = widths[c] ?? 0;
      const text = truncate(cell.text, width);
      const padding = c === row.length - 1 ? "" : " ".repeat(width - columns(text));
      return options.paint(text, cell.colour) + padding;
    });
    return `${" ".repeat(options.indent)}${cells.join("  ")}`.trimEnd();
  });
}
