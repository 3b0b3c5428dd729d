// What RBAC mode authorized or denied, per user: every (verb, API group, resource[/subresource], namespace)
// of a resource request — including the checks admission and impersonation make — and every (verb, path) of a
// non-resource one, with how often each was allowed and denied. The proof behind "least privilege".
import type { RequestAttributes } from "./request-attributes.ts";
import { combinedResource } from "./request-attributes.ts";

export type ResourceAccess = {
  user: string;
  verb: string;
  group: string;
  /** `resource` or `resource/subresource`. */
  resource: string;
  /** "" = cluster scope. */
  namespace: string;
  allowed: number;
  denied: number;
};

export type NonResourceAccess = {
  user: string;
  verb: string;
  path: string;
  allowed: number;
  denied: number;
};

export type AccessLogSnapshot = {
  resources: ResourceAccess[];
  nonResources: NonResourceAccess[];
};

export class AccessLog {
  private readonly resources = new Map<string, ResourceAccess>();
  private readonly nonResources = new Map<string, NonResourceAccess>();

  record(user: string, attrs: RequestAttributes, allowed: boolean): void {
    let entry: ResourceAccess | NonResourceAccess | undefined;
    if (attrs.kind === "resource") {
      const resource = combinedResource(attrs);
      const key = [user, attrs.verb, attrs.group, resource, attrs.namespace].join("\u0000");
      entry = this.resources.get(key);
      if (!entry) {
        entry = { user, verb: attrs.verb, group: attrs.group, resource, namespace: attrs.namespace, allowed: 0, denied: 0 };
        this.resources.set(key, entry);
      }
    } else {
      const key = [user, attrs.verb, attrs.path].join("\u0000");
      entry = this.nonResources.get(key);
      if (!entry) {
        entry = { user, verb: attrs.verb, path: attrs.path, allowed: 0, denied: 0 };
        this.nonResources.set(key, entry);
      }
    }
    if (allowed) entry.allowed++;
    else entry.denied++;
  }

  /** Everything recorded (for one user when given), sorted. */
  snapshot(user?: string): AccessLogSnapshot {
    const mine = <T extends { user: string }>(entries: Iterable<T>): T[] => [...entries].filter((e) => user === undefined || e.user === user).map((e) => ({ ...e }));
    const key = (e: ResourceAccess) => [e.user, e.group, e.resource, e.verb, e.namespace].join(" ");
    return {
      resources: mine(this.resources.values()).sort((a, b) => key(a).localeCompare(key(b))),
      nonResources: mine(this.nonResources.values()).sort((a, b) => `${a.user} ${a.path} ${a.verb}`.localeCompare(`${b.user} ${b.path} ${b.verb}`)),
    };
  }

  clear(): void {
    this.resources.clear();
    this.nonResources.clear();
  }
}
