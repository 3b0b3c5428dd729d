/** The load generator only ever sends to this machine: a typo must not load someone else's server. */
export class LoadTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoadTargetError";
  }
}

export interface LoadTarget {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly path: string;
}

export function loadTarget(url: string): LoadTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LoadTargetError(`not a URL: ${url}`);
  }
  if (parsed.protocol !== "http:") throw new LoadTargetError(`only http:// targets are supported (got ${parsed.protocol})`);
  if (parsed.hostname !== "127.0.0.1" && parsed.hostname !== "localhost") throw new LoadTargetError(`only 127.0.0.1 targets are allowed (got ${parsed.hostname})`);
  const port = Number(parsed.port || "80");
  return { host: "127.0.0.1", port, path: `${parsed.pathname}${parsed.search}` };
}
