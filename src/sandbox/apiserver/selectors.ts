// Label selectors (k8s.io/apimachinery/pkg/labels string syntax) and field selectors
// (`f=v`, `f==v`, `f!=v`, comma = AND; sheet §4.4).

export type LabelRequirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!" }
  | { key: string; op: "gt" | "lt"; value: number };

export type LabelSelector = LabelRequirement[];

export class SelectorParseError extends Error {}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Split on commas that are not inside parentheses. */
function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of input) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

function checkKey(key: string, whole: string): string {
  if (!KEY.test(key)) throw new SelectorParseError(`unable to parse requirement: invalid label key "${key}" in "${whole}"`);
  return key;
}

function checkValue(value: string): string {
  if (value.length > 63 || !VALUE.test(value)) throw new SelectorParseError(`unable to parse requirement: values[0]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  return value;
}

export function parseLabelSelector(input: string): LabelSelector {
  const trimmed = input.trim();
  if (trimmed === "") return [];
  return splitTopLevel(trimmed).map((part): LabelRequirement => {
    if (part === "") throw new SelectorParseError(`found '', expected: identifier`);
    const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (setMatch) {
      const [, key = "", op, list = ""] = setMatch;
      const values = list.split(",").map((v) => checkValue(v.trim()));
      return { key: checkKey(key, part), op: op === "in" ? "in" : "notin", values };
    }
    if (part.startsWith("!")) return { key: checkKey(part.slice(1).trim(), part), op: "!" };
    const opMatch = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
    if (opMatch) {
      const [, key = "", op = "", value = ""] = opMatch;
      if (op === ">" || op === "<") {
        const n = Number(value);
        if (!Number.isInteger(n)) throw new SelectorParseError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
        return { key: checkKey(key, part), op: op === ">" ? "gt" : "lt", value: n };
      }
      return { key: checkKey(key, part), op: op === "!=" ? "!=" : "=", value: checkValue(value.trim()) };
    }
    if (/\s/.test(part)) throw new SelectorParseError(`unable to parse requirement: found '${part.split(/\s+/)[1] ?? ""}', expected: in, notin, =, ==, !=, gt, lt`);
    return { key: checkKey(part, part), op: "exists" };
  });
}

export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, unknown>> | undefined): boolean {
  for (const req of selector) {
    const raw = labels?.[req.key];
    const value = typeof raw === "string" ? raw : undefined;
    switch (req.op) {
      case "=":
        if (value !== req.value) return false;
        break;
      case "!=":
        if (value === req.value) return false;
        break;
      case "in":
        if (value === undefined || !req.values.includes(value)) return false;
        break;
      case "notin":
        if (value !== undefined && req.values.includes(value)) return false;
        break;
      case "exists":
        if (value === undefined) return false;
        break;
      case "!":
        if (value !== undefined) return false;
        break;
      case "gt":
      case "lt": {
        const n = value === undefined ? NaN : Number(value);
        if (!Number.isInteger(n)) return false;
        if (req.op === "gt" ? !(n > req.value) : !(n < req.value)) return false;
        break;
      }
    }
  }
  return true;
}

/** `{matchLabels, matchExpressions}` (metav1.LabelSelector) → requirements. */
export function labelSelectorFromObject(selector: unknown): LabelSelector {
  const reqs: LabelSelector = [];
  if (typeof selector !== "object" || selector === null) return reqs;
  const { matchLabels, matchExpressions } = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  if (typeof matchLabels === "object" && matchLabels !== null) {
    for (const [key, value] of Object.entries(matchLabels)) if (typeof value === "string") reqs.push({ key, op: "=", value });
  }
  if (Array.isArray(matchExpressions)) {
    for (const expr of matchExpressions) {
      if (typeof expr !== "object" || expr === null) continue;
      const { key, operator, values } = expr as { key?: unknown; operator?: unknown; values?: unknown };
      if (typeof key !== "string") continue;
      const vals = Array.isArray(values) ? values.filter((v): v is string => typeof v === "string") : [];
      if (operator === "In") reqs.push({ key, op: "in", values: vals });
      else if (operator === "NotIn") reqs.push({ key, op: "notin", values: vals });
      else if (operator === "Exists") reqs.push({ key, op: "exists" });
      else if (operator === "DoesNotExist") reqs.push({ key, op: "!" });
    }
  }
  return reqs;
}

/** Render a selector back to the string form (used for the /scale `status.selector`). */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector
    .map((r) => {
      switch (r.op) {
        case "=":
        case "!=":
          return `${r.key}${r.op}${r.value}`;
        case "in":
        case "notin":
          return `${r.key} ${r.op} (${r.values.join(",")})`;
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
        case "gt":
          return `${r.key}>${r.value}`;
        case "lt":
          return `${r.key}<${r.value}`;
      }
    })
    .join(",");
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

export type FieldSelector = FieldRequirement[];

export function parseFieldSelector(input: string, supported: readonly string[]): FieldSelector {
  const trimmed = input.trim();
  if (trimmed === "") return [];
  return trimmed.split(",").map((part) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!m) throw new SelectorParseError(`invalid selector: '${part}'; can't understand '${part}'`);
    const [, field = "", op = "", value = ""] = m;
    if (!supported.includes(field.trim())) throw new SelectorParseError(`field label not supported: ${field.trim()}`);
    return { field: field.trim(), op: op === "!=" ? "!=" : "=", value };
  });
}

export function matchesFields(selector: FieldSelector, valueOf: (field: string) => string | undefined): boolean {
  return selector.every((req) => {
    const v = valueOf(req.field) ?? "";
    return req.op === "=" ? v === req.value : v !== req.value;
  });
}
