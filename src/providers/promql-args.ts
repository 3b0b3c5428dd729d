/**
 * `{{args.NAME}}` (and `{{podTemplateHash}}`) in PromQL, filled so that an argument is data and never code.
 *
 * The template is scanned with a small PromQL lexer, and each placeholder is escaped for where it stands:
 * - inside "..." or '...' (a label matcher's value): `\` and the quote are escaped; after `=~`/`!~` regex
 *   metacharacters are escaped too, so the value matches literally;
 * - inside `...` (raw string): no escape exists, so a value containing a backtick is refused;
 * - inside [...] (range or subquery) or after `offset`: the value must be a duration such as 5m or 1h30m;
 * - anywhere else: only a number (0.99, 1e3) or a plain name that is not a PromQL keyword.
 * Newlines and other control characters are refused everywhere: a value cannot start a comment, end a line,
 * or change the number or kind of tokens around it. Refusals name the argument, where it stands and what is
 * wrong. A literal value is quoted (it is in the AnalysisRun's spec anyway); a value read from a Secret never
 * is: the message names the Secret instead, since it lands in status, Events and logs.
 */
import { PROM_DURATION } from "./prom-duration.ts";
import { describeArgument } from "./resolved-args.ts";
import type { RenderOutcome, ResolvedArgs } from "./types.ts";

type Position = "double-quoted" | "single-quoted" | "raw" | "duration" | "bare" | "comment";

// Extras are built-in names (podTemplateHash, window) and per-side ones (sides.service: the request judge).
const PLACEHOLDER = /\{\{\s*(?:args\.([A-Za-z0-9_][-A-Za-z0-9_.]*)|([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_][-A-Za-z0-9_]*)?))\s*\}\}/y;
// Unsigned: a sign could join the surrounding expression ("x_{{args.v}}" with "-1" would subtract).
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYWORDS = new Set([
  "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "atan2", "start", "end",
  "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio",
  "inf", "nan",
]);
// RE2 metacharacters; escaped so an argument inside =~"..." matches itself only.
export const REGEX_META = /[.*+?^${}()|[\]\\]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;

/** A literal value in a message: cut at 60 characters, on one line (JSON leaves U+2028/U+2029 unescaped). */
const shownValue = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

/** How a refusal names the value: the argument (and its Secret), where it stands, and whether it may be quoted. */
interface Subject {
  readonly label: string;
  readonly where: string;
  readonly secret: boolean;
}

const WHERE: Record<Position, string> = {
  "double-quoted": 'inside "..."',
  "single-quoted": "inside '...'",
  raw: "inside `...`",
  duration: "inside [...]",
  bare: "outside quotes",
  comment: "in a comment",
};

function place(value: string, position: Position, regex: boolean, subject: Subject): { ok: true; text: string } | { ok: false; message: string } {
  const refuse = (why: string, secretFix?: string) => {
    const shown = subject.secret ? ` (value not shown)${secretFix ? `; ${secretFix}` : ""}` : ` (got ${shownValue(value)})`;
    return { ok: false as const, message: `${subject.label} ${subject.where} ${why}${shown}` };
  };
  if (CONTROL.test(value)) {
    return refuse("must not contain newlines or control characters", "fix the Secret's data: surrounding whitespace, such as the trailing newline --from-file keeps, is trimmed, characters inside are not");
  }
  switch (position) {
    case "double-quoted":
    case "single-quoted": {
      const quote = position === "double-quoted" ? '"' : "'";
      const literal = regex ? value.replace(REGEX_META, "\\$&") : value;
      return { ok: true, text: literal.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`) };
    }
    case "raw":
      return value.includes("`") ? refuse('must not contain a backtick (a raw string has no escape); put the placeholder inside "..." instead') : { ok: true, text: value };
    case "duration":
      return PROM_DURATION.test(value) ? { ok: true, text: value } : refuse("must be a duration such as 30s, 5m or 1h30m");
    case "bare":
      if (NUMBER.test(value) || PROM_DURATION.test(value)) return { ok: true, text: value };
      if (NAME.test(value) && !KEYWORDS.has(value.toLowerCase())) return { ok: true, text: value };
      return refuse('must be a number, a duration or a plain name; put the placeholder inside "..." for any other text');
    case "comment":
      return { ok: true, text: value };
  }
}

/** True when the code before an opening quote ends with a regex matcher operator (=~ or !~). */
function precededByRegexMatcher(out: string): boolean {
  return /[=!]~\s*$/.test(out);
}

export function renderPromQL(template: string, args: ResolvedArgs, extra: ReadonlyMap<string, string> = new Map()): RenderOutcome {
  let out = "";
  let state: "code" | "double" | "single" | "raw" | "comment" = "code";
  let bracketDepth = 0;
  let regexString = false;
  for (let i = 0; i < template.length; ) {
    PLACEHOLDER.lastIndex = i;
    const match = PLACEHOLDER.exec(template);
    if (match) {
      const argName = match[1];
      const extraName = match[2];
      const value = argName !== undefined ? args.values.get(argName) : extra.get(extraName ?? "");
      if (value === undefined) {
        return { ok: false, message: argName !== undefined ? `argument "${argName}" is used in the query but has no value` : `unknown placeholder {{${extraName ?? ""}}} in the query` };
      }
      const position: Position =
        state === "double" ? "double-quoted"
        : state === "single" ? "single-quoted"
        : state === "raw" ? "raw"
        : state === "comment" ? "comment"
        : bracketDepth > 0 || /\boffset\s*-?\s*$/i.test(out) ? "duration"
        : "bare";
      const subject: Subject = {
        label: argName !== undefined ? describeArgument(argName, args) : `{{${extraName ?? ""}}}`,
        where: position === "duration" && bracketDepth === 0 ? "after offset" : WHERE[position],
        secret: argName !== undefined && args.secrets.has(argName),
      };
      const placed = place(value, position, regexString, subject);
      if (!placed.ok) return placed;
      out += placed.text;
      i += match[0].length;
      continue;
    }
    const ch = template[i] ?? "";
    out += ch;
    i++;
    if (state === "double" || state === "single") {
      if (ch === "\\") {
        out += template[i] ?? "";
        i++;
      } else if ((state === "double" && ch === '"') || (state === "single" && ch === "'")) {
        state = "code";
      }
    } else if (state === "raw") {
      if (ch === "`") state = "code";
    } else if (state === "comment") {
      if (ch === "\n") state = "code";
    } else if (ch === '"' || ch === "'") {
      regexString = precededByRegexMatcher(out.slice(0, -1));
      state = ch === '"' ? "double" : "single";
    } else if (ch === "`") {
      state = "raw";
    } else if (ch === "#") {
      state = "comment";
    } else if (ch === "[") {
      bracketDepth++;
    } else if (ch === "]") {
      bracketDepth = Math.max(0, bracketDepth - 1);
    }
  }
  return { ok: true, query: out };
}
