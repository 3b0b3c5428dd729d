/** kubeSecretReader: base64 data or stringData, trimmed as users of `kubectl create secret --from-file` expect. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../src/kube/kube-object.ts";
import { kubeSecretReader } from "../../src/providers/kube-secrets.ts";

const secret = (fields: Record<string, unknown>): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: "shop" }, ...fields });
const readerOf = (object: KubeObject | undefined) => kubeSecretReader({ get: async () => object });

test("trims surrounding whitespace (the trailing newline --from-file keeps), not what is inside", async () => {
  const read = readerOf(secret({ data: { file: Buffer.from("tok-123\n").toString("base64"), crlf: Buffer.from("  a b\r\n").toString("base64"), inner: Buffer.from("a\nb\n").toString("base64") } }));
  assert.equal(await read("shop", "creds", "file"), "tok-123");
  assert.equal(await read("shop", "creds", "crlf"), "a b");
  assert.equal(await read("shop", "creds", "inner"), "a\nb");
});

test("reads stringData too; a missing key or Secret is undefined", async () => {
  assert.equal(await readerOf(secret({ stringData: { k: "v\n" } }))("shop", "creds", "k"), "v");
  assert.equal(await readerOf(secret({ data: {} }))("shop", "creds", "k"), undefined);
  assert.equal(await readerOf(undefined)("shop", "creds", "k"), undefined);
});
