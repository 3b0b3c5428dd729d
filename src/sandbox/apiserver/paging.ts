// List chunking (`limit` + `continue`, sheet §4.4). The token records the list's
// resourceVersion and the last key served; pages after the first continue from that key in
// the current state (the real server reads a snapshot at that revision — close enough for
// clients, which only need every object once and a stable list resourceVersion).
import { expired } from "./errors.ts";

export interface ContinueToken {
  /** resourceVersion of the first page, repeated on every page. */
  rv: string;
  /** `namespace/name` of the last item already returned. */
  start: string;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: token.rv, start: token.start })).toString("base64url");
}

export function decodeContinue(text: string, oldestUsableRv: number): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null) throw tooOld();
  const { rv, start } = parsed as { rv?: unknown; start?: unknown };
  if (typeof rv !== "string" || typeof start !== "string") throw tooOld();
  if (Number(rv) < oldestUsableRv) throw tooOld();
  return { rv, start };
}

function tooOld(): ReturnType<typeof expired> {
  return expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
}
