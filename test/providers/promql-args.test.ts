/** Argument substitution: values are data in every position, and injection attempts never change the query. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { renderPromQL } from "../../src/providers/promql-args.ts";
import { literalArgs } from "../../src/providers/resolved-args.ts";

const args = (entries: Record<string, string>) => literalArgs(entries);
const render = (template: string, values: Record<string, string>) => renderPromQL(template, args(values));

/** The string literals of a PromQL text, decoded, and the code around them (a quote-aware split). */
function lex(query: string): { code: string; strings: string[] } {
  let code = "";
  const strings: string[] = [];
  for (let i = 0; i < query.length; i++) {
    const ch = query[i] ?? "";
    if (ch !== '"') {
      code += ch;
      continue;
    }
    let value = "";
    for (i++; i < query.length && query[i] !== '"'; i++) {
      if (query[i] === "\\") i++;
      value += query[i] ?? "";
    }
    strings.push(value);
    code += '""';
  }
  return { code, strings };
}

describe("renderPromQL", () => {
  it("fills label values, durations and numbers", () => {
    const out = render('histogram_quantile({{args.q}}, sum by (le) (rate(x_bucket{hash="{{args.pod-hash}}"}[{{ args.window }}])))', {
      q: "0.999",
      "pod-hash": "6d4f8b",
      window: "1m30s",
    });
    assert.deepEqual(out, { ok: true, query: 'histogram_quantile(0.999, sum by (le) (rate(x_bucket{hash="6d4f8b"}[1m30s])))' });
  });

  it("escapes backslashes and quotes inside double and single quotes", () => {
    assert.deepEqual(render('x{a="{{args.v}}"}', { v: 'a\\b"c' }), { ok: true, query: 'x{a="a\\\\b\\"c"}' });
    assert.deepEqual(render("x{a='{{args.v}}'}", { v: "it's" }), { ok: true, query: "x{a='it\\'s'}" });
  });

  it("the classic injection stays inside the label value", () => {
    const out = render('sum(rate(http_requests_total{hash="{{args.h}}"}[1m]))', { h: '"} or vector(1) #' });
    assert.ok(out.ok);
    assert.equal(out.query, 'sum(rate(http_requests_total{hash="\\"} or vector(1) #"}[1m]))');
    assert.deepEqual(lex(out.query), { code: 'sum(rate(http_requests_total{hash=""}[1m]))', strings: ['"} or vector(1) #'] });
  });

  it("matches literally after =~ and !~ (regex metacharacters escaped)", () => {
    const out = render('x{svc=~".*{{args.s}}.*", code!~"{{args.c}}"}', { s: "a.b|c", c: "5.." });
    assert.ok(out.ok);
    assert.equal(out.query, 'x{svc=~".*a\\\\.b\\\\|c.*", code!~"5\\\\.\\\\."}');
  });

  it("refuses newlines and control characters anywhere", () => {
    for (const v of ["a\nb", "a\rb", "a\u0000", "x\u2028y"]) {
      const out = render('x{a="{{args.v}}"}', { v });
      assert.equal(out.ok, false);
      assert.match(out.ok ? "" : out.message, /^argument "v" inside "\.\.\." must not contain newlines or control characters \(got ".+"\)$/);
    }
  });

  it("names a refused literal value's position and quotes the value (it is in the AnalysisRun's spec anyway)", () => {
    assert.deepEqual(render("rate(x[{{args.w}}])", { w: "5 m" }), { ok: false, message: 'argument "w" inside [...] must be a duration such as 30s, 5m or 1h30m (got "5 m")' });
    assert.deepEqual(render("x offset {{args.o}}", { o: "soon" }), { ok: false, message: 'argument "o" after offset must be a duration such as 30s, 5m or 1h30m (got "soon")' });
  });

  it("never quotes a value read from a Secret: the message names the Secret, where the value stands and what to fix", () => {
    const secret = "tok-3f9a1c77e2b04d5a";
    const fromSecret = (value: string) => ({ values: new Map([["token", value]]), secrets: new Map([["token", { namespace: "shop", name: "prom-creds", key: "token" }]]) });
    const cases: Array<[template: string, value: string, message: RegExp]> = [
      ["vector({{args.token}})", secret, /^argument "token" \(from Secret shop\/prom-creds key "token"\) outside quotes must be a number, a duration or a plain name; put the placeholder inside "\.\.\." for any other text \(value not shown\)$/],
      ['x{a="{{args.token}}"}', `${secret}\n${secret}`, /^argument "token" \(from Secret shop\/prom-creds key "token"\) inside "\.\.\." must not contain newlines or control characters \(value not shown\); fix the Secret's data/],
      ["rate(x[{{args.token}}])", secret, /^argument "token" \(from Secret shop\/prom-creds key "token"\) inside \[\.\.\.\] must be a duration/],
      ["x{a=`{{args.token}}`}", `${secret}\``, /^argument "token" \(from Secret shop\/prom-creds key "token"\) inside `\.\.\.` must not contain a backtick/],
    ];
    for (const [template, value, message] of cases) {
      const out = renderPromQL(template, fromSecret(value));
      assert.equal(out.ok, false, template);
      const text = out.ok ? "" : out.message;
      assert.match(text, message);
      assert.ok(!text.includes("3f9a1c77"), text);
    }
    assert.deepEqual(renderPromQL('x{a="{{args.token}}"}', fromSecret(secret)), { ok: true, query: `x{a="${secret}"}` });
  });

  it("requires a duration inside [...] and after offset", () => {
    assert.equal(render("rate(x[{{args.w}}])", { w: "5m" }).ok, true);
    assert.equal(render("rate(x[{{args.w}}:{{args.s}}])", { w: "5m", s: "30s" }).ok, true);
    assert.equal(render("x offset {{args.o}}", { o: "1h" }).ok, true);
    for (const w of ["5m]) or vector(1) #", "1m] + x[1m", "", "5 m", "-1m"]) {
      const out = render("rate(x[{{args.w}}])", { w });
      assert.equal(out.ok, false, w);
      assert.match(out.ok ? "" : out.message, /must be a duration/);
    }
  });

  it("outside quotes allows only numbers, durations and non-keyword names", () => {
    assert.equal(render("histogram_quantile({{args.q}}, x)", { q: "0.99" }).ok, true);
    assert.equal(render("{{args.m}}{job=\"a\"}", { m: "http_requests_total" }).ok, true);
    for (const v of ["1) or vector(1", "or", "x or y", '"a"', "1 + 1", "-1", "+1"]) {
      const out = render("histogram_quantile({{args.q}}, x)", { q: v });
      assert.equal(out.ok, false, v);
    }
  });

  it("refuses a backtick inside a raw string, and names unknown arguments", () => {
    assert.equal(render("x{a=`{{args.v}}`}", { v: "a`b" }).ok, false);
    assert.deepEqual(render("x{a=`{{args.v}}`}", { v: 'a"b\\' }), { ok: true, query: 'x{a=`a"b\\`}' });
    const missing = render('x{a="{{args.nope}}"}', {});
    assert.deepEqual(missing, { ok: false, message: 'argument "nope" is used in the query but has no value' });
    assert.deepEqual(renderPromQL('x{a="{{whatever}}"}', args({})), { ok: false, message: "unknown placeholder {{whatever}} in the query" });
  });

  it("fills {{podTemplateHash}} from the extra values", () => {
    assert.deepEqual(renderPromQL('x{h="{{podTemplateHash}}"}', args({}), new Map([["podTemplateHash", "abc"]])), { ok: true, query: 'x{h="abc"}' });
  });

  it("property: any printable value round-trips as one label value and leaves the code untouched", () => {
    const template = 'sum(rate(x{a="{{args.v}}", b="fixed"}[5m])) / sum(rate(x{a="{{args.v}}"}[5m]))';
    const skeleton = lex(template.replaceAll("{{args.v}}", "")).code;
    fc.assert(
      fc.property(fc.string({ unit: "binary" }).filter((s) => !/[\u0000-\u001f\u007f\u2028\u2029]/.test(s)), (v) => {
        const out = render(template, { v });
        assert.ok(out.ok);
        const lexed = lex(out.query);
        assert.equal(lexed.code, skeleton);
        assert.deepEqual(lexed.strings, [v, "fixed", v]);
      }),
      { numRuns: 500 },
    );
  });

  it("property: a value with a control character is always refused", () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom("\n", "\r", "\t", "\u0000", "\u001b"), fc.string(), (a, c, b) => {
        assert.equal(render('x{a="{{args.v}}"}', { v: a + c + b }).ok, false);
      }),
    );
  });
});
