// The JSONPath subset CRD printer columns use (k8s.io/client-go/util/jsonpath): `.a.b`,
// `['a.b']`, `[n]`, `[*]`, `..` is not supported; filters `[?(@.type=="Ready")]` with ==, !=
// and plain existence. Returns every match; printer columns take the first.
import { isObject, type JsonValue } from "./json.ts";

type Step =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" }
  | { kind: "filter"; path: string[]; op: "==" | "!=" | "exists"; value: JsonValue };

export class JsonPathError extends Error {}

function parseLiteral(text: string): JsonValue {
  const t = text.trim();
  if (/^(['"]).*\1$/.test(t)) return t.slice(1, -1);
  if (t === "true" || t === "false") return t === "true";
  if (t === "null") return null;
  const n = Number(t);
  if (!Number.isNaN(n)) return n;
  return t;
}

export function parseJsonPath(expression: string): Step[] {
  let expr = expression.trim();
  if (expr.startsWith("{") && expr.endsWith("}")) expr = expr.slice(1, -1).trim();
  if (expr.startsWith("$")) expr = expr.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i];
    if (ch === ".") {
      i++;
      let name = "";
      while (i < expr.length && expr[i] !== "." && expr[i] !== "[") name += expr[i++];
      if (name === "*") steps.push({ kind: "wildcard" });
      else if (name !== "") steps.push({ kind: "field", name });
      continue;
    }
    if (ch === "[") {
      const close = findClose(expr, i);
      const inner = expr.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === "*") steps.push({ kind: "wildcard" });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if (/^(['"]).*\1$/.test(inner)) steps.push({ kind: "field", name: inner.slice(1, -1) });
      else if (inner.startsWith("?(") && inner.endsWith(")")) steps.push(parseFilter(inner.slice(2, -1)));
      else throw new JsonPathError(`unrecognized identifier ${inner}`);
      continue;
    }
    throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(ch)} in ${expression}`);
  }
  return steps;
}

function findClose(expr: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth++;
    else if (c === "]") {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new JsonPathError(`unclosed array expect ]`);
}

function parseFilter(body: string): Step {
  const m = /^@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(.+)$/.exec(body.trim());
  if (m) {
    const [, path = "", op, literal = ""] = m;
    return { kind: "filter", path: path.slice(1).split("."), op: op === "!=" ? "!=" : "==", value: parseLiteral(literal) };
  }
  const e = /^@((?:\.[A-Za-z0-9_-]+)+)$/.exec(body.trim());
  if (e) return { kind: "filter", path: (e[1] ?? "").slice(1).split("."), op: "exists", value: null };
  throw new JsonPathError(`unsupported filter ${body}`);
}

export function evaluateJsonPath(steps: readonly Step[], root: JsonValue): JsonValue[] {
  let current: JsonValue[] = [root];
  for (const step of steps) {
    const next: JsonValue[] = [];
    for (const node of current) {
      switch (step.kind) {
        case "field":
          if (isObject(node) && node[step.name] !== undefined) next.push(node[step.name] as JsonValue);
          break;
        case "index":
          if (Array.isArray(node)) {
            const idx = step.index < 0 ? node.length + step.index : step.index;
            const v = node[idx];
            if (v !== undefined) next.push(v);
          }
          break;
        case "wildcard":
          if (Array.isArray(node)) next.push(...node);
          else if (isObject(node)) next.push(...Object.values(node));
          break;
        case "filter":
          if (Array.isArray(node)) {
            for (const item of node) {
              let v: JsonValue | undefined = item;
              for (const p of step.path) v = isObject(v) ? v[p] : undefined;
              if (step.op === "exists" ? v !== undefined : step.op === "==" ? v === step.value : v !== step.value) next.push(item);
            }
          }
          break;
      }
    }
    current = next;
  }
  return current;
}

/** How jsonpath prints one value: strings raw, other scalars as text, objects/arrays as JSON. */
export function jsonPathText(value: JsonValue): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
