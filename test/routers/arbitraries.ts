/** fast-check generators for desired routings and step sequences, shared by the property tests. */
import fc from "fast-check";
import type { StringMatch } from "../../src/api/steps.ts";
import type { DesiredRouting, HeaderRoute, MirrorMatch, MirrorRoute } from "../../src/core/routing.ts";

export type RouteSupport = { headerRoutes: boolean; mirrorRoutes: boolean; maxHeaderMatches: number };

const text = fc.stringMatching(/^[a-z0-9.+-]{1,8}$/);
export const stringMatch: fc.Arbitrary<StringMatch> = fc.oneof(
  text.map((exact) => ({ exact })),
  text.map((prefix) => ({ prefix })),
  text.map((regex) => ({ regex: `^${regex.replace(/[^a-z0-9]/g, "")}$` })),
);

const headerName = fc.constantFrom("X-Canary", "X-QA", "x-user", "X-Region");

export function headerRoute(maxMatches: number): fc.Arbitrary<HeaderRoute> {
  return fc.record({
    name: fc.constantFrom("testers", "qa", "beta"),
    match: fc.uniqueArray(fc.record({ headerName, headerValue: stringMatch }), {
      minLength: 1,
      maxLength: maxMatches,
      selector: (match) => match.headerName.toLowerCase(),
    }),
  });
}

const mirrorMatch: fc.Arbitrary<MirrorMatch> = fc.record(
  {
    method: fc.constantFrom("GET", "POST").map((exact) => ({ exact })),
    path: fc.oneof(fc.constantFrom("/checkout/pay", "/checkout").map((prefix) => ({ prefix })), fc.constant({ exact: "/checkout" })),
    headers: fc.dictionary(fc.constantFrom("x-debug", "x-trace"), stringMatch, { maxKeys: 2 }),
  },
  { requiredKeys: [] },
);

export const mirrorRoute: fc.Arbitrary<MirrorRoute> = fc.record({
  name: fc.constantFrom("shadow", "dark"),
  percentage: fc.integer({ min: 0, max: 100 }),
  match: fc.array(mirrorMatch, { maxLength: 2 }),
});

export const canaryWeight = fc.integer({ min: 0, max: 100 });

/** A desired routing within what the router supports (route names unique, as the core guarantees). */
export function desiredRouting(support: RouteSupport): fc.Arbitrary<DesiredRouting> {
  const none = fc.constant<never[]>([]);
  const headers: fc.Arbitrary<HeaderRoute[]> = support.headerRoutes
    ? fc.uniqueArray(headerRoute(support.maxHeaderMatches), { maxLength: support.maxHeaderMatches === 1 ? 1 : 2, selector: (route) => route.name })
    : none;
  const mirrors: fc.Arbitrary<MirrorRoute[]> = support.mirrorRoutes ? fc.uniqueArray(mirrorRoute, { maxLength: 2, selector: (route) => route.name }) : none;
  return fc.record({ canaryWeight, headerRoutes: headers, mirrorRoutes: mirrors });
}

/** A Rollout's life as the sequence of routings the core asks for. */
export function stepSequence(support: RouteSupport): fc.Arbitrary<DesiredRouting[]> {
  return fc.array(desiredRouting(support), { minLength: 1, maxLength: 8 });
}
