/** `sluice lint` on notifications: a bad subscribe annotation and a bad sluice-notifications ConfigMap are errors naming the field. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { stringify } from "yaml";
import { splitManifest } from "../../src/api/manifest-documents.ts";
import { lintDocuments } from "../../src/cli/lint/lint-manifests.ts";
import { canaryRollout } from "../helpers/controller-env.ts";

const withAnnotation = (value: string) => {
  const r = canaryRollout("web", [{ setWeight: 20 }]);
  r.metadata.annotations = { "notifications.sluice.dev/subscribe": value };
  return stringify(r);
};

test("a valid annotation and ConfigMap lint clean", () => {
  const cm = stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sluice-notifications" }, data: { receivers: "- {name: ops, slack: {url: {valueFrom: {secretKeyRef: {name: s, key: url}}}}}" } });
  const result = lintDocuments(splitManifest("a.yaml", `${withAnnotation("team,ops:aborted|paused")}---\n${cm}`));
  assert.deepEqual(result.findings, []);
});

test("a bad subscribe annotation is an error at the annotation, saying the syntax", () => {
  const result = lintDocuments(splitManifest("a.yaml", withAnnotation("team:finished")));
  assert.equal(result.findings.length, 1);
  assert.equal(result.findings[0]?.path, `metadata.annotations["notifications.sluice.dev/subscribe"]`);
  assert.match(result.findings[0]?.message ?? "", /unknown event "finished" for receiver team; write NAME\[,NAME\.\.\.\]/);
});

test("a sluice-notifications ConfigMap whose receivers do not parse is an error at data.receivers", () => {
  const cm = stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sluice-notifications", namespace: "team" }, data: { receivers: "- name: x\n  email: {}" } });
  const result = lintDocuments(splitManifest("a.yaml", cm));
  assert.equal(result.findings[0]?.path, "data.receivers");
  assert.match(result.findings[0]?.message ?? "", /^ConfigMap team\/sluice-notifications key "receivers": at \[0\]: each receiver needs/);
});
