/**
 * How a CEL condition uses `result`. A query that returns one value gives a number; Argo Rollouts users write
 * `result[0] >= 0.95` out of habit, because a Prometheus vector is a list there. Both forms work on one value:
 * an expression that only indexes or iterates `result` gets it as a one-element list. An expression that uses it
 * both ways cannot be given one type, so the schema refuses it with the two ways to write it.
 */
import { parse } from "@bufbuild/cel";

type Expr = NonNullable<ReturnType<typeof parse>["expr"]>;

export type ResultUse = { readonly asList: boolean; readonly asNumber: boolean };

/** Calls whose argument at this index takes a list: result[i], size(result), x in result. */
const LIST_ARGUMENT: Readonly<Record<string, number>> = { "_[_]": 0, size: 0, "@in": 1 };

function isResult(e: Expr | undefined): boolean {
  return e?.exprKind.case === "identExpr" && e.exprKind.value.name === "result";
}

function walk(e: Expr | undefined, use: { asList: boolean; asNumber: boolean }, shadowed: boolean): void {
  if (!e) return;
  const kind = e.exprKind;
  switch (kind.case) {
    case "identExpr":
      if (kind.value.name === "result" && !shadowed) use.asNumber = true;
      return;
    case "selectExpr":
      walk(kind.value.operand, use, shadowed);
      return;
    case "callExpr": {
      const call = kind.value;
      const listAt = LIST_ARGUMENT[call.function];
      // size as a method: result.size()
      if (call.function === "size" && isResult(call.target) && !shadowed) use.asList = true;
      else walk(call.target, use, shadowed);
      call.args.forEach((arg, i) => {
        if (i === listAt && isResult(arg) && !shadowed) use.asList = true;
        else walk(arg, use, shadowed);
      });
      return;
    }
    case "listExpr":
      for (const x of kind.value.elements) walk(x, use, shadowed);
      return;
    case "structExpr":
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === "mapKey") walk(entry.keyKind.value, use, shadowed);
        walk(entry.value, use, shadowed);
      }
      return;
    case "comprehensionExpr": {
      // result.all(x, ...), result.exists(x, ...), result.map(x, ...): the range is a list.
      const c = kind.value;
      if (isResult(c.iterRange) && !shadowed) use.asList = true;
      else walk(c.iterRange, use, shadowed);
      const inner = shadowed || c.iterVar === "result" || c.accuVar === "result";
      walk(c.accuInit, use, shadowed);
      walk(c.loopCondition, use, inner);
      walk(c.loopStep, use, inner);
      walk(c.result, use, inner);
      return;
    }
    default:
      return;
  }
}

/** The expression's use of `result`, or the CEL syntax error. */
export function resultUse(expression: string): ResultUse | { readonly syntaxError: string } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (error) {
    return { syntaxError: (error instanceof Error ? error.message : String(error)).replace(/^<input>:/, "at ") };
  }
  const use = { asList: false, asNumber: false };
  walk(parsed.expr, use, false);
  return use;
}

/** Why a condition expression is refused, or undefined when it can be evaluated. */
export function conditionExpressionProblem(expression: string): string | undefined {
  const use = resultUse(expression);
  if ("syntaxError" in use) return `is not a valid CEL expression (${use.syntaxError}); write e.g. "result < 0.01"`;
  if (use.asList && use.asNumber) {
    return `uses result both as a list (result[0], size(result)) and as a number (result); write one form, e.g. "result[0] >= 0.95" or "result >= 0.95"`;
  }
  return undefined;
}
