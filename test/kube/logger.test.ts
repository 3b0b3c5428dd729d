/** createLogger's redaction: credentials in the fields a log call could carry never reach the output. */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import axios from "axios";
import { createLogger } from "../../src/kube/logger.ts";

const TOKEN = "tok-5b0e6c1d9a7f4e2b";

function capture() {
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString("utf8");
      done();
    },
  });
  return { log: createLogger("trace", "json", sink), text: () => text };
}

test("an axios error logged whole keeps its message but not the Authorization it was sent with", async () => {
  const { log, text } = capture();
  // Nothing listens on port 1: the request fails, and the error carries its config and request.
  const error: unknown = await axios.get("http://127.0.0.1:1/api/v1/query", { headers: { Authorization: `Bearer ${TOKEN}` }, timeout: 2000 }).catch((e: unknown) => e);
  assert.ok(axios.isAxiosError(error));
  log.warn({ err: error }, "query failed");
  log.warn({ error }, "query failed");
  assert.match(text(), /ECONNREFUSED/);
  assert.match(text(), /"url":"http:\/\/127\.0\.0\.1:1\/api\/v1\/query"/);
  assert.ok(!text().includes(TOKEN), text());
});

test("headers, tokens, passwords, Secret data and resolved args are censored at any depth of one", () => {
  const { log, text } = capture();
  log.info({ headers: { Authorization: `Bearer ${TOKEN}` } }, "a");
  log.info({ connection: { headers: { authorization: `Basic ${TOKEN}` } } }, "b");
  log.info({ auth: { password: TOKEN, token: TOKEN } }, "c");
  log.info({ secret: { stringData: { token: TOKEN } } }, "d");
  log.info({ run: "x", args: { token: TOKEN } }, "e");
  const lines = text().trim().split("\n");
  assert.equal(lines.length, 5);
  assert.ok(!text().includes(TOKEN), text());
  assert.match(text(), /"\[redacted\]"/);
});
