/**
 * `sluice analyze` against a real Prometheus (Debian package) scraping a gauge that was bad for a while and then
 * good: replaying the bad window fails the analysis, the good one passes, as the executor would have judged them.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { prometheusInstalled, startPrometheus, type RunningPrometheus } from "../../src/sandbox/prometheus.ts";
import { runCliAsync } from "../helpers/run-cli.ts";

const skip = prometheusInstalled() ? false : "prometheus is not installed (apt-get install -y prometheus)";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (ms: number) => new Date(ms).toISOString();

describe("sluice analyze against a real Prometheus", { skip, timeout: 90_000 }, () => {
  let server: Server;
  let prometheus: RunningPrometheus;
  let errorRatio = 0.2;
  let instance = "";
  const windows = { bad: { from: 0, to: 0 }, good: { from: 0, to: 0 } };
  const templateFile = join(mkdtempSync(join(tmpdir(), "sluice-analyze-")), "error-ratio.yaml");

  before(async () => {
    server = createServer((_req, res) => res.end(`# TYPE app_error_ratio gauge\napp_error_ratio ${errorRatio}\n`));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    instance = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    prometheus = await startPrometheus({ scrapeInterval: "1s", targets: [{ address: instance }] });
    // Wait for the first scrape, so the bad window has data from its start.
    for (let i = 0; i < 100; i++) {
      const body = (await (await fetch(`${prometheus.url}/api/v1/query?query=app_error_ratio`)).json()) as { data?: { result?: unknown[] } };
      if ((body.data?.result ?? []).length > 0) break;
      await sleep(200);
    }
    // A known bad period (20% errors) then a known good one (0.1%); each window keeps clear of the switch.
    const start = Date.now() - 1000;
    await sleep(7000);
    windows.bad = { from: start + 2000, to: Date.now() };
    errorRatio = 0.001;
    const switched = Date.now();
    await sleep(7000);
    windows.good = { from: switched + 2000, to: Date.now() };
    writeFileSync(
      templateFile,
      [
        "apiVersion: sluice.dev/v1alpha1",
        "kind: AnalysisTemplate",
        "metadata: {name: error-ratio}",
        "spec:",
        "  args: [{name: instance}]",
        "  metrics:",
        "    - name: error-ratio",
        "      interval: 1s",
        "      count: 4",
        "      failureLimit: 1",
        "      successCondition: {max: 0.01}",
        "      provider: {prometheus: {address: http://prometheus.monitoring:9090, query: 'max(app_error_ratio{instance=\"{{args.instance}}\"})'}}",
        "",
      ].join("\n"),
    );
  });

  after(async () => {
    await prometheus?.stop();
    server?.close();
  });

  const analyze = (...args: string[]) => runCliAsync(["analyze", templateFile, "--prometheus", prometheus.url, "--arg", `instance=${instance}`, ...args]);

  it("the bad window fails: each measurement at its time, judged as the executor would", async () => {
    const result = await analyze("--from", iso(windows.bad.from), "--to", iso(windows.bad.to));
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const lines = result.stdout.split("\n").filter((l) => /^\d{4}-/.test(l));
    assert.equal(lines.length, 2, result.stdout);
    for (const [i, line] of lines.entries()) {
      assert.match(line, /  error-ratio  0\.2\s+max 0\.01\s+✖ Failed$/);
      // Times are shown to the second.
      assert.equal(Date.parse(line.slice(0, 20)), Math.floor((windows.bad.from + i * 1000) / 1000) * 1000, "one measurement per interval from --from");
    }
    assert.match(result.stdout, /^error-ratio  Failed: 2 measured, 0 passed, 2 failed/m);
    assert.match(result.stdout, /^result: Failed: metric "error-ratio" failed/m);
    assert.match(result.stderr, /^error: the analysis would have ended Failed\n$/);
  });

  it("the good window passes with count measurements", async () => {
    const result = await analyze("--from", iso(windows.good.from), "--to", iso(windows.good.to));
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.stdout.split("\n").filter((l) => /✔ Successful$/.test(l)).length, 4);
    assert.match(result.stdout, /^error-ratio  Successful: 4 measured, 4 passed, 0 failed/m);
    assert.match(result.stdout, /^result: Successful: all 1 metric\(s\) successful\n$/m);
  });

  it("--now measures once; a missing argument is a user error", async () => {
    const now = await analyze("--now");
    assert.equal(now.code, 0, now.stdout + now.stderr);
    assert.match(now.stdout, /0\.001\s+max 0\.01\s+✔ Successful/);
    const missing = await runCliAsync(["analyze", templateFile, "--prometheus", prometheus.url, "--now"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: pass a value for --arg instance=\.\.\./);
  });
});
