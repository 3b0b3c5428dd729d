import { test } from "node:test";
import assert from "node:assert/strict";
import { formatLabelSelector, labelSelectorFromObject, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorParseError } from "../../src/sandbox/apiserver/selectors.ts";

const labels = { app: "web", tier: "front", version: "3" };

test("equality and inequality", () => {
  assert.ok(matchesLabels(parseLabelSelector("app=web"), labels));
  assert.ok(matchesLabels(parseLabelSelector("app==web"), labels));
  assert.ok(!matchesLabels(parseLabelSelector("app!=web"), labels));
  assert.ok(matchesLabels(parseLabelSelector("app!=db"), labels));
  assert.ok(matchesLabels(parseLabelSelector("missing!=x"), labels), "!= matches when the key is absent");
});

test("set-based, existence, and comma as AND", () => {
  assert.ok(matchesLabels(parseLabelSelector("tier in (front, back)"), labels));
  assert.ok(!matchesLabels(parseLabelSelector("tier notin (front)"), labels));
  assert.ok(matchesLabels(parseLabelSelector("tier notin (back),app"), labels));
  assert.ok(!matchesLabels(parseLabelSelector("!app"), labels));
  assert.ok(matchesLabels(parseLabelSelector("!db"), labels));
  assert.ok(!matchesLabels(parseLabelSelector("app=web,tier=back"), labels));
  assert.ok(matchesLabels(parseLabelSelector("version>2,version<4"), labels));
  assert.ok(matchesLabels(parseLabelSelector(""), labels));
});

test("parse errors", () => {
  assert.throws(() => parseLabelSelector("app=web,"), SelectorParseError);
  assert.throws(() => parseLabelSelector("-bad=x"), SelectorParseError);
  assert.throws(() => parseLabelSelector("a=b c"), SelectorParseError);
});

test("metav1.LabelSelector objects and formatting", () => {
  const sel = labelSelectorFromObject({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }] });
  assert.ok(matchesLabels(sel, labels));
  assert.equal(formatLabelSelector(sel), "app=web,tier in (front)");
});

test("field selectors: supported fields only", () => {
  assert.deepEqual(parseFieldSelector("metadata.name=web", ["metadata.name"]), [{ field: "metadata.name", op: "=", value: "web" }]);
  assert.deepEqual(parseFieldSelector("metadata.name!=web", ["metadata.name"])[0]?.op, "!=");
  assert.throws(() => parseFieldSelector("spec.foo=1", ["metadata.name"]), /field label not supported: spec.foo/);
});
