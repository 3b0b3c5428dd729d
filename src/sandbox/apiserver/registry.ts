// What the server serves: built-in resource types plus those registered from CRDs. Discovery,
// OpenAPI and routing all read from here; CRD changes bump `generation` so caches can notice.
import { builtinResourceTypes } from "./builtins.ts";
import type { ResourceType } from "./resource-type.ts";

/** Order of built-in groups in discovery (core first, like the real server's priorities). */
const BUILTIN_GROUP_ORDER = ["", "apps", "events.k8s.io", "networking.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "apiextensions.k8s.io"];

/** Kube-aware version ordering: GA > beta > alpha, then higher numbers first. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    const stability = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa && !pb) return a.localeCompare(b);
  if (!pa) return 1;
  if (!pb) return -1;
  for (let i = 0; i < 3; i++) {
    const d = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export class Registry {
  private readonly types: ResourceType[] = [];
  /** Incremented on every change; discovery/openapi hashes derive from it. */
  generation = 1;

  constructor() {
    for (const t of builtinResourceTypes()) this.types.push(t);
  }

  all(): readonly ResourceType[] {
    return this.types;
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  findByKind(group: string, version: string, kind: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.kind === kind);
  }

  /** Any served version of a group/resource (e.g. to find the CRD for a storage key). */
  byStorageKey(storageKey: string): ResourceType[] {
    return this.types.filter((t) => t.storageKey === storageKey);
  }

  /** Replace every type that came from `crdName` with `next` (empty = unregister). */
  setCrdTypes(crdName: string, next: readonly ResourceType[]): void {
    for (let i = this.types.length - 1; i >= 0; i--) if (this.types[i]?.crdName === crdName) this.types.splice(i, 1);
    this.types.push(...next);
    this.generation++;
  }

  /** Groups in discovery order, each with versions sorted preferred-first. */
  groups(): { name: string; versions: string[] }[] {
    const byGroup = new Map<string, Set<string>>();
    for (const t of this.types) {
      let set = byGroup.get(t.group);
      if (!set) {
        set = new Set();
        byGroup.set(t.group, set);
      }
      set.add(t.version);
    }
    const names = [...byGroup.keys()].sort((a, b) => {
      const ia = BUILTIN_GROUP_ORDER.indexOf(a);
      const ib = BUILTIN_GROUP_ORDER.indexOf(b);
      if (ia >= 0 && ib >= 0) return ia - ib;
      if (ia >= 0) return -1;
      if (ib >= 0) return 1;
      return a.localeCompare(b);
    });
    return names.map((name) => ({ name, versions: [...(byGroup.get(name) ?? [])].sort(compareKubeVersions) }));
  }

  typesIn(group: string, version: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.version === version);
  }
}
