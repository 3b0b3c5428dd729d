/** PromQL text scanning shared by the query checks: which characters are code, not inside a string literal. */

/** Indices of `text` from `from` on that lie outside string literals ("...", '...', `...`, with \ escapes). */
export function* codeIndices(text: string, from = 0): Generator<number> {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else yield i;
  }
}
