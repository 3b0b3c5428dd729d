/** The receivers YAML of a sluice-notifications ConfigMap, and values taken from Secrets. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseReceivers, resolveReceiver, ReceiverConfigError } from "../../../src/controller/notifications/receivers.ts";

const WHERE = "team/sluice-notifications";

test("webhook and Slack receivers, literal or from a Secret", () => {
  const parsed = parseReceivers(
    `
- name: team-webhook
  webhook:
    url: {valueFrom: {secretKeyRef: {name: hooks, key: url}}}
    headers:
      Authorization: {valueFrom: {secretKeyRef: {name: hooks, key: token}}}
      X-Team: payments
- name: ops-slack
  slack: {url: "https://hooks.slack.example/T/B/x"}
`,
    WHERE,
  );
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  assert.deepEqual(parsed.receivers.map((r) => r.name), ["team-webhook", "ops-slack"]);
});

test("bad YAML, a bad shape and a duplicate name each say the ConfigMap, the key and the expected form", () => {
  for (const [text, why] of [
    [undefined, /missing/],
    ["- name: [unclosed", /not YAML/],
    ["name: x", /expected array/],
    ["- name: x\n  email: {to: a}", /at \[0\]: each receiver needs a name and exactly one of webhook: \{url, headers\} or slack: \{url\}/],
    ["- name: x\n  slack: {url: {valueFrom: {secretKeyRef: {name: s}}}}", /at \[0\]/],
    ["- {name: x, slack: {url: a}}\n- {name: x, slack: {url: b}}", /receiver "x" is defined twice/],
  ] as const) {
    const parsed = parseReceivers(text, WHERE);
    assert.ok(!parsed.ok, String(text));
    assert.match(parsed.error, /^ConfigMap team\/sluice-notifications key "receivers": /);
    assert.match(parsed.error, why);
    assert.match(parsed.error, /it must be a YAML list such as - \{name: team-webhook, webhook:/);
  }
});

test("a value from a Secret is resolved; a missing Secret key names the receiver, field, Secret and key, never a value", async () => {
  const parsed = parseReceivers(`- {name: hook, webhook: {url: {valueFrom: {secretKeyRef: {name: hooks, key: url}}}, headers: {Authorization: {valueFrom: {secretKeyRef: {name: hooks, key: token}}}}}}`, WHERE);
  assert.ok(parsed.ok);
  const receiver = parsed.receivers[0];
  assert.ok(receiver);
  const secrets: Record<string, string> = { "team/hooks/url": "http://example/hook", "team/hooks/token": "Bearer s3cret" };
  const resolved = await resolveReceiver(receiver, "team", async (ns, name, key) => secrets[`${ns}/${name}/${key}`]);
  assert.deepEqual(resolved, { name: "hook", type: "webhook", url: "http://example/hook", headers: { Authorization: "Bearer s3cret" } });
  delete secrets["team/hooks/token"];
  await assert.rejects(
    resolveReceiver(receiver, "team", async (ns, name, key) => secrets[`${ns}/${name}/${key}`]),
    (error: unknown) => error instanceof ReceiverConfigError && error.message === `receiver hook webhook.headers.Authorization: Secret team/hooks has no key "token" (or does not exist); create it or fix valueFrom.secretKeyRef` && !error.message.includes("example"),
  );
});
