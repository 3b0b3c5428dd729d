/**
 * Names of the routes sluice adds to a user's object (HTTPRoute rules, VirtualService http routes).
 * Every managed name starts with `sluice-<rollout>-`, so a Rollout finds and removes exactly its own
 * routes and never one of the user's or another Rollout's. The prefix is reserved: a user route named
 * like that would be treated as ours.
 */

/** Lower-case DNS label characters only: HTTPRoute rule names must be valid SectionNames. */
function dnsSafe(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

export function managedPrefix(rolloutName: string): string {
  return `sluice-${dnsSafe(rolloutName)}-`;
}

/**
 * The name of the managed route for `routeName`, derived from the user route at `baseIndex` among the
 * routes being weighted (one copy per weighted route; the first keeps the plain name).
 */
export function managedRouteName(rolloutName: string, routeName: string, baseIndex = 0): string {
  const base = `${managedPrefix(rolloutName)}${dnsSafe(routeName) || "route"}`;
  const name = baseIndex === 0 ? base : `${base}-${baseIndex}`;
  // SectionName allows 253 characters; keep well inside it and never end on '-'.
  return name.slice(0, 240).replace(/-+$/, "");
}

export function isManagedName(rolloutName: string, name: unknown): boolean {
  return typeof name === "string" && name.startsWith(managedPrefix(rolloutName));
}

/**
 * Header and mirror routes share one name space in the provider object (rule or http route names must be
 * unique), so the same name used for both is refused rather than written twice.
 */
export function sharedRouteName(headerRoutes: { name: string }[], mirrorRoutes: { name: string }[]): string | undefined {
  const headerNames = new Set(headerRoutes.map((route) => route.name));
  return mirrorRoutes.find((route) => headerNames.has(route.name))?.name;
}
