/** Secret argument values masked out of measurements, in every spelling Prometheus or sluice can give them. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { maskMeasurement, maskText } from "../../src/analysis/mask-secrets.ts";
import type { ResolvedArgs } from "../../src/providers/types.ts";

const args = (values: Record<string, string>, secret: string[]): ResolvedArgs => ({
  values: new Map(Object.entries(values)),
  secrets: new Map(secret.map((name) => [name, { namespace: "shop", name: "creds", key: name }])),
});

test("masks the value as is, quoted, regex-escaped and base64, and leaves literal values alone", () => {
  const a = args({ token: 'a.b"c\\d', window: "5m" }, ["token"]);
  const text = ['{tenant="a.b\\"c\\\\d"}', 'x=~"a\\\\.b\\"c\\\\\\\\d"', "raw a.b\"c\\d", `b64 ${Buffer.from('a.b"c\\d').toString("base64")}`, "window 5m"].join(" | ");
  const masked = maskText(text, a);
  assert.equal(masked, '{tenant="[secret arg token]"} | x=~"[secret arg token]" | raw [secret arg token] | b64 [secret arg token] | window 5m');
});

test("values shorter than 4 characters are not masked (they cannot be told from ordinary text)", () => {
  assert.equal(maskText("1 of 1 measurements: abc", args({ short: "abc" }, ["short"])), "1 of 1 measurements: abc");
});

test("masks message, value, warnings and metadata of a measurement", () => {
  const a = args({ token: "tok-9c1e" }, ["token"]);
  const m = maskMeasurement(
    { phase: "Error", startedAt: "t", finishedAt: "t", message: "series {t=\"tok-9c1e\"}", value: "tok-9c1e", warnings: ["w tok-9c1e"], metadata: { k: "tok-9c1e!" } },
    a,
  );
  assert.deepEqual(m, { phase: "Error", startedAt: "t", finishedAt: "t", message: 'series {t="[secret arg token]"}', value: "[secret arg token]", warnings: ["w [secret arg token]"], metadata: { k: "[secret arg token]!" } });
});
