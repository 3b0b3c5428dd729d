/** The subscribe annotation: NAME[,NAME...], each optionally NAME:event|event. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSubscriptions, receiversFor } from "../../../src/controller/notifications/subscriptions.ts";

test("names subscribe to every event; NAME:a|b narrows to those events", () => {
  const parsed = parseSubscriptions(" team-webhook , ops-slack:aborted|analysis-failed");
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.subscriptions, [
    { receiver: "team-webhook", events: "all" },
    { receiver: "ops-slack", events: ["aborted", "analysis-failed"] },
  ]);
  assert.deepEqual(receiversFor(parsed.subscriptions, "aborted"), ["team-webhook", "ops-slack"]);
  assert.deepEqual(receiversFor(parsed.subscriptions, "promoted"), ["team-webhook"]);
});

test("a receiver named twice is sent to once", () => {
  const parsed = parseSubscriptions("a,a:aborted");
  assert.ok(parsed.ok);
  assert.deepEqual(receiversFor(parsed.subscriptions, "aborted"), ["a"]);
});

test("bad values name the annotation, the mistake and the syntax", () => {
  for (const [value, why] of [
    ["", /empty receiver name/],
    ["a,,b", /empty receiver name/],
    ["a:aborted:x", /more than one ":"/],
    ["a:finished", /unknown event "finished" for receiver a/],
    ["a:", /unknown event "" for receiver a/],
    ["bad name", /"bad name" is not a receiver name/],
  ] as const) {
    const parsed = parseSubscriptions(value);
    assert.ok(!parsed.ok, value);
    assert.match(parsed.error, /^annotation notifications\.sluice\.dev\/subscribe: /);
    assert.match(parsed.error, why);
    assert.match(parsed.error, /NAME\[,NAME\.\.\.\], each optionally NAME:event\|event \(events: rollout-started, /);
  }
});
