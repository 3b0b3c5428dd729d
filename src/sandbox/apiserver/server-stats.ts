// What the server has served, for benchmarks reading it from another process (GET /_sandbox/stats):
// requests by verb and resource (as "verb resource[/subresource]"), watch events written, and bytes of them.
// Counting is a map increment per request: cheap enough to be always on.
import type { JsonObject } from "../../util/json.ts";

export class ServerStats {
  private readonly requests = new Map<string, number>();
  watchEvents = 0;
  watchBytes = 0;

  countRequest(verb: string, resource: string, subresource: string | undefined): void {
    const key = `${verb} ${resource}${subresource ? `/${subresource}` : ""}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  countWatchEvent(bytes: number): void {
    this.watchEvents++;
    this.watchBytes += bytes;
  }

  toJson(openWatches: number): JsonObject {
    return { requests: Object.fromEntries([...this.requests].sort(([a], [b]) => a.localeCompare(b))), watchEvents: this.watchEvents, watchBytes: this.watchBytes, openWatches };
  }
}
