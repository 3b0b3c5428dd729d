/** Colours and widths for terminal output. Layout works on plain text; colour is put on afterwards. */
export type Colour = "green" | "red" | "yellow" | "cyan" | "dim" | "bold";

const CODES: Record<Colour, [number, number]> = {
  green: [32, 39],
  red: [31, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export type Paint = (text: string, colour: Colour | undefined) => string;

export function painter(enabled: boolean): Paint {
  return (text, colour) => (enabled && colour && text !== "" ? `\u001b[${CODES[colour][0]}m${text}\u001b[${CODES[colour][1]}m` : text);
}

/**
 * Colours on when stdout is a terminal and neither --no-color nor NO_COLOR (https://no-color.org) says no.
 * FORCE_COLOR turns them on for a pipe (tests, `less -R`).
 */
export function useColour(options: { noColor: boolean; isTTY: boolean; env: NodeJS.ProcessEnv }): boolean {
  if (options.noColor || (options.env.NO_COLOR ?? "") !== "") return false;
  if ((options.env.FORCE_COLOR ?? "") !== "" && options.env.FORCE_COLOR !== "0") return true;
  return options.isTTY;
}

/** Cut text to `width` columns with an ellipsis (every character here is one column wide). */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, width).join("") : `${chars.slice(0, width - 1).join("")}…`;
}

export function columns(text: string): number {
  return [...text].length;
}

/**
 * Word-wrap `text` for a column that starts `indent` columns in on a `width`-wide terminal. Continuation
 * lines carry the indent; the first does not (the caller puts its label there).
 */
export function wrap(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = "";
  const room = Math.max(10, width - indent);
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    const candidate = line === "" ? word : `${line} ${word}`;
    if (columns(candidate) <= room || line === "") line = candidate;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== "") lines.push(line);
  return lines.map((l, i) => (i === 0 ? truncate(l, room) : `${" ".repeat(indent)}${truncate(l, room)}`));
}
