import { test } from "node:test";
import assert from "node:assert/strict";
import { applyDefaults, prune, schemaDefaultErrors, structuralErrors, validate } from "../../src/sandbox/apiserver/crd-schema.ts";
import { fieldErrorText } from "../../src/sandbox/apiserver/errors.ts";
import type { JsonObject } from "../../src/util/json.ts";

const schema: JsonObject = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["image"],
      properties: {
        replicas: { type: "integer", minimum: 1, maximum: 10, default: 1 },
        image: { type: "string", minLength: 3, maxLength: 8 },
        mode: { type: "string", enum: ["canary", "bluegreen"], default: "canary" },
        cron: { type: "string", pattern: "^\\d+$" },
        port: { "x-kubernetes-int-or-string": true },
        steps: { type: "array", maxItems: 3, minItems: 1, items: { type: "object", properties: { weight: { type: "integer" } } } },
        labels: { type: "object", additionalProperties: { type: "string" }, maxProperties: 2 },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        nested: { type: "object", properties: { inner: { type: "object", properties: { v: { type: "integer", default: 7 } } } } },
      },
    },
    status: { type: "object", properties: { phase: { type: "string" } } },
  },
};

function texts(obj: JsonObject): string[] {
  const body = { ...obj };
  delete body["metadata"];
  return validate(body, schema, "").map(fieldErrorText);
}

test("pruning drops undeclared fields (not metadata/apiVersion/kind, not preserved subtrees)", () => {
  const obj: JsonObject = {
    apiVersion: "x/v1",
    kind: "X",
    metadata: { name: "a" },
    spec: { image: "abc", foo: 1, free: { anything: { goes: true } }, steps: [{ weight: 1, bar: 2 }], labels: { a: "b" } },
    extra: true,
  };
  const dropped = prune(obj, schema);
  assert.deepEqual(dropped.sort(), ["extra", "spec.foo", "spec.steps[0].bar"]);
  assert.deepEqual(obj["spec"], { image: "abc", free: { anything: { goes: true } }, steps: [{ weight: 1 }], labels: { a: "b" } });
  assert.deepEqual(obj["metadata"], { name: "a" });
});

test("defaults apply to existing objects only, recursively into just-defaulted nodes", () => {
  const obj: JsonObject = { spec: { image: "abc", replicas: null, nested: { inner: {} } } };
  applyDefaults(obj, schema);
  assert.deepEqual(obj["spec"], { image: "abc", replicas: 1, mode: "canary", nested: { inner: { v: 7 } } });
  const noSpec: JsonObject = {};
  applyDefaults(noSpec, schema);
  assert.deepEqual(noSpec, {}, "no spec → no spec defaults");
});

test("validation messages match apiextensions-apiserver", () => {
  assert.deepEqual(texts({ spec: { image: "abc", replicas: "3" } }), ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']);
  assert.deepEqual(texts({ spec: { image: "abc", replicas: 15 } }), ["spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10"]);
  assert.deepEqual(texts({ spec: { image: "abc", replicas: 0 } }), ["spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"]);
  assert.deepEqual(texts({ spec: {} }), ["spec.image: Required value"]);
  assert.deepEqual(texts({ spec: { image: "abc", mode: "fast" } }), ['spec.mode: Unsupported value: "fast": supported values: "canary", "bluegreen"']);
  assert.deepEqual(texts({ spec: { image: "abc", cron: "x" } }), ["spec.cron: Invalid value: \"x\": spec.cron in body should match '^\\d+$'"]);
  assert.deepEqual(texts({ spec: { image: "abc", port: true } }), ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']);
  assert.deepEqual(texts({ spec: { image: "abcdefghij" } }), ["spec.image: Too long: may not be more than 8 bytes"]);
  assert.deepEqual(texts({ spec: { image: "ab" } }), ['spec.image: Invalid value: "ab": spec.image in body should be at least 3 chars long']);
  assert.deepEqual(texts({ spec: { image: "abc", steps: [{}, {}, {}, {}] } }), ["spec.steps: Too many: 4: must have at most 3 items"]);
  assert.deepEqual(texts({ spec: { image: "abc", steps: [] } }), ["spec.steps: Invalid value: 0: spec.steps in body should have at least 1 items"]);
  assert.deepEqual(texts({ spec: { image: "abc", labels: { a: "1", b: "2", c: "3" } } }), ["spec.labels: Too many: 3: must have at most 2 items"]);
  assert.deepEqual(texts({ spec: { image: "abc", port: 80 } }), []);
  assert.deepEqual(texts({ spec: { image: "abc", port: "http" } }), []);
});

test("structural schema check reports missing types like the real CRD validation", () => {
  const errors = structuralErrors({ type: "object", properties: { spec: { properties: { a: { type: "string" } } }, free: { "x-kubernetes-preserve-unknown-fields": true } } }, "spec.versions[0].schema.openAPIV3Schema");
  assert.deepEqual(errors.map(fieldErrorText), ["spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"]);
  assert.equal(structuralErrors({ type: "object", properties: { a: { type: "array" } } }, "s").length, 1, "array without items");
  assert.equal(structuralErrors({ type: "object", additionalProperties: false }, "s").length, 1);
});

test("x-kubernetes-list-type set/map reject duplicates", () => {
  const listSchema: JsonObject = {
    type: "object",
    properties: {
      tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
      ports: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port"], items: { type: "object", properties: { port: { type: "integer" }, name: { type: "string" } } } },
    },
  };
  const errors = validate({ tags: ["a", "b", "a"], ports: [{ port: 80, name: "x" }, { port: 80, name: "y" }] }, listSchema, "spec").map(fieldErrorText);
  assert.deepEqual(errors, ['spec.tags[2]: Duplicate value: "a"', 'spec.ports[1]: Duplicate value: {"port":80}']);
});

test("CRD schema defaults must validate; metadata may only restrict name/generateName", () => {
  const base = "spec.versions[0].schema.openAPIV3Schema";
  const bad = schemaDefaultErrors({ type: "object", properties: { spec: { type: "object", properties: { replicas: { type: "integer", minimum: 1, default: 0 }, mode: { type: "string", enum: ["a"], default: "b" } } } } }, base);
  assert.deepEqual(bad.map(fieldErrorText), [
    `${base}.properties[spec].properties[replicas].default: Invalid value: 0: spec.replicas in body should be greater than or equal to 1`,
    `${base}.properties[spec].properties[mode].default: Unsupported value: "b": supported values: "a"`,
  ]);
  const meta = schemaDefaultErrors({ type: "object", properties: { metadata: { type: "object", properties: { labels: { type: "object" } } } } }, base);
  assert.equal(meta.length, 1);
  assert.match(fieldErrorText(meta[0] ?? { type: "InternalError", field: "", message: "" }), /properties\[metadata\]: Forbidden: must not specify anything other than name and generateName/);
  assert.deepEqual(schemaDefaultErrors({ type: "object", properties: { metadata: { type: "object" }, spec: { type: "object", properties: { n: { type: "integer", default: 2 } } } } }, base), []);
});
