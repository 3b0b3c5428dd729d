/**
 * provider.web against real HTTP servers: the JSON answer (or what jsonPath selects) judged by the metric's
 * conditions; every failure (HTTP error, not JSON, timeout, nothing selected) an Error, null Inconclusive, never
 * a pass; a URL or header from a Secret masked in what is shown.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { metricSchema, type Metric } from "../../src/api/metric.ts";
import { maskMeasurement } from "../../src/analysis/mask-secrets.ts";
import { measureWeb } from "../../src/analysis/measure-web.ts";
import { literalArgs } from "../../src/providers/resolved-args.ts";
import type { ResolvedArgs } from "../../src/providers/types.ts";

type Seen = { method: string; url: string; headers: IncomingMessage["headers"]; body: string };
let server: Server;
let base = "";
const seen: Seen[] = [];
before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const path = (req.url ?? "").split("?")[0];
      if (path === "/score") return res.end(JSON.stringify({ data: { score: 0.97, ok: true, checks: [{ name: "smoke", passed: true }] } }));
      if (path === "/message") return res.end(JSON.stringify({ message: "It worked!" }));
      if (path === "/null") return res.end(JSON.stringify({ value: null }));
      if (path === "/html") return res.end("<html>login</html>");
      if (path === "/broken") {
        res.statusCode = 503;
        return res.end("upstream down");
      }
      if (path === "/slow") return setTimeout(() => res.end("{}"), 3000);
      if (path === "/echo") return res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, body: body ? (JSON.parse(body) as unknown) : null }));
      res.statusCode = 404;
      res.end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const metric = (web: Record<string, unknown>, conditions: Record<string, unknown> = { successCondition: { min: 0.95 } }): Metric => metricSchema.parse({ name: "web", provider: { web }, ...conditions });
const measure = (m: Metric, args: ResolvedArgs = literalArgs()) => measureWeb({ metric: m, args, at: new Date(), now: () => new Date() });
const secretArgs = (values: Record<string, string>): ResolvedArgs => ({
  values: new Map(Object.entries(values)),
  secrets: new Map(Object.keys(values).map((k) => [k, { namespace: "default", name: "web-secret", key: k }])),
});

test("a number selected by jsonPath is judged by a threshold, {{args}} filled in the url", async () => {
  const pass = await measure(metric({ url: `${base}/score?app={{args.app}}`, jsonPath: "{$.data.score}" }), literalArgs({ app: "checkout" }));
  assert.equal(pass.phase, "Successful", pass.message);
  assert.equal(pass.value, "0.97");
  assert.equal(seen.at(-1)?.url, "/score?app=checkout");
  const fail = await measure(metric({ url: `${base}/score`, jsonPath: "{$.data.score}" }, { successCondition: { min: 0.99 } }));
  assert.equal(fail.phase, "Failed");
  assert.match(fail.message ?? "", /^0\.97 does not meet success condition \(min 0\.99\)$/);
});

test("booleans, strings and objects are judged by CEL (Argo's rollout-secret: result == 'It worked!', its URL from a Secret)", async () => {
  const ok = await measure(metric({ url: `${base}/score`, jsonPath: "{$.data.ok}" }, { successCondition: "result == true" }));
  assert.equal(ok.phase, "Successful", ok.message);
  const checks = await measure(metric({ url: `${base}/score`, jsonPath: "{$.data.checks}" }, { successCondition: "result.all(c, c.passed)" }));
  assert.equal(checks.phase, "Successful", checks.message);
  const args = secretArgs({ "secret-url": `${base}/message` });
  const worked = await measure(metric({ url: "{{args.secret-url}}", jsonPath: "{$.message}" }, { successCondition: "result == 'It worked!'" }), args);
  assert.equal(worked.phase, "Successful", worked.message);
  assert.equal(worked.value, '"It worked!"');
  // A threshold cannot judge a string: an Error that says what to write instead.
  const wrong = await measure(metric({ url: `${base}/message`, jsonPath: "{$.message}" }));
  assert.equal(wrong.phase, "Error");
  assert.match(wrong.message ?? "", /a threshold \{min, max\} needs a number, and the answer is a string \("It worked!"\); write a CEL condition such as "result == true"/);
});

test("POST with a JSON body and a header from a Secret arg; the header value is never shown", async () => {
  const args = secretArgs({ token: "s3cr3t-token-value" });
  const m = metric({ url: `${base}/echo`, method: "POST", headers: [{ key: "Authorization", value: "Bearer {{args.token}}" }], jsonBody: { service: "checkout", window: "5m" } }, { successCondition: "result.method == 'POST' && result.body.service == 'checkout'" });
  const out = maskMeasurement(await measure(m, args), args);
  assert.equal(out.phase, "Successful", out.message);
  assert.equal(seen.at(-1)?.headers.authorization, "Bearer s3cr3t-token-value");
  assert.equal(seen.at(-1)?.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(seen.at(-1)?.body ?? "{}"), { service: "checkout", window: "5m" });
  assert.ok(!JSON.stringify(out).includes("s3cr3t-token-value"), "the secret value appears nowhere in the measurement");
});

test("failures are Errors with the reason, null is Inconclusive: never a pass", async () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["HTTP 503", { url: `${base}/broken` }, /^GET http:\/\/127\.0\.0\.1:\d+\/broken: HTTP 503: upstream down$/],
    ["not JSON", { url: `${base}/html` }, /: the answer is not JSON \(<html>login<\/html>\)$/],
    ["nothing selected", { url: `${base}/score`, jsonPath: "{$.data.missing}" }, /: jsonPath \{\$\.data\.missing\} matches nothing in the answer$/],
    ["timeout", { url: `${base}/slow`, timeoutSeconds: 1 }, /: no answer within 1s \(provider\.web\.timeoutSeconds\)$/],
    ["unreachable", { url: "http://127.0.0.1:1/x" }, /^GET http:\/\/127\.0\.0\.1:1\/x: cannot reach it: ECONNREFUSED/],
  ];
  for (const [what, web, message] of cases) {
    const m = await measure(metric(web, { successCondition: "true" }));
    assert.equal(m.phase, "Error", what);
    assert.match(m.message ?? "", message, what);
  }
  const empty = await measure(metric({ url: `${base}/null`, jsonPath: "{$.value}" }, { successCondition: "true" }));
  assert.equal(empty.phase, "Inconclusive");
  const secret = secretArgs({ host: base });
  const masked = maskMeasurement(await measure(metric({ url: "{{args.host}}/broken" }, { successCondition: "true" }), secret), secret);
  assert.ok(!(masked.message ?? "").includes(base), `the URL from a Secret is masked: ${masked.message}`);
});

test("answer: status judges the status code alone, a 5xx and a non-JSON body included (Flagger's webhooks)", async () => {
  const twoHundreds = { successCondition: "result >= 200 && result < 300" };
  const ok = await measure(metric({ url: `${base}/html`, answer: "status" }, twoHundreds));
  assert.equal(ok.phase, "Successful", ok.message);
  assert.equal(ok.value, "200");
  const down = await measure(metric({ url: `${base}/broken`, answer: "status" }, twoHundreds));
  assert.equal(down.phase, "Failed", "a 503 is a value that fails the condition, not an Error");
  assert.equal(down.value, "503");
  // A rollback hook: an answer of 2xx asks for the rollback.
  const rollback = await measure(metric({ url: `${base}/html`, answer: "status" }, { failureCondition: "result >= 200 && result < 300" }));
  assert.equal(rollback.phase, "Failed");
  const unreachable = await measure(metric({ url: "http://127.0.0.1:1/", answer: "status" }, twoHundreds));
  assert.equal(unreachable.phase, "Error", "no answer at all is still an Error, never a pass");
});

test("the schema refuses what the web provider cannot do, naming the field", () => {
  const issues = (m: Record<string, unknown>) => {
    const r = metricSchema.safeParse({ name: "web", ...m });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  assert.deepEqual(issues({ provider: { web: { url: "http://x", body: "a" } }, successCondition: "true" }), ["provider.web.method: must be POST or PUT to send a body"]);
  assert.deepEqual(issues({ provider: { web: { url: "http://x" } } }), ["successCondition: is required (or failureCondition): without a condition no measurement could pass or fail, e.g. {max: 0.01}"]);
  assert.deepEqual(issues({ provider: { web: { url: "http://x", answer: "status", jsonPath: "{$.ok}" } }, successCondition: "result == 200" }), [
    "provider.web.jsonPath: jsonPath reads the JSON body, which answer: status does not read; drop jsonPath or set answer: json",
  ]);
  assert.deepEqual(issues({ provider: { web: { url: "http://x" } }, compare: { query: "q" } }), ["compare: needs provider.prometheus: the web provider measures one value, judged by successCondition/failureCondition"]);
});
