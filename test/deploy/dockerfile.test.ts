/**
 * The image without a container engine: the Dockerfile's steps performed in a clean directory (its COPYs from
 * this checkout, its RUN with a fresh npm cache), then its ENTRYPOINT and CMD, with the args and environment
 * deploy/base/controller-deployment.yaml gives the container, started against the sandbox API server. The
 * directory is made read-only first, as readOnlyRootFilesystem makes the container's, and when the test runs as
 * root the controller runs as uid 1000 (the image's USER node), whom file modes stop. A file the controller
 * needs but the image lacks, a runtime import of a development-only package, or a write under /app fails here.
 */
import assert from "node:assert/strict";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { after, test } from "node:test";
import { parse } from "yaml";
import { startEnv, type Env } from "../helpers/controller-env.ts";
import { freePort } from "../helpers/free-port.ts";
import { rolloutObject } from "../helpers/rollout-object.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

type Instruction = { op: string; args: string };

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const [op = "", ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
}

const jsonArray = (args: string): string[] => {
  const parsed: unknown = JSON.parse(args);
  assert.ok(Array.isArray(parsed) && parsed.every((a) => typeof a === "string"), `exec form expected: ${args}`);
  return parsed;
};

type Image = { dir: string; workdir: string; env: Record<string, string>; entrypoint: string[]; cmd: string[]; user: string | undefined; labels: string };

/** Performs the Dockerfile in `root`/app, as `docker build` would on the build context REPO_ROOT. */
async function build(root: string): Promise<Image> {
  const steps = instructions(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8"));
  const image: Image = { dir: root, workdir: "/", env: {}, entrypoint: [], cmd: [], user: undefined, labels: "" };
  const args: Record<string, string> = {};
  const local = (p: string) => join(root, p.startsWith("/") ? p : join(image.workdir, p));
  const npmCache = mkdtempSync(join(tmpdir(), "sluice-image-npm-"));
  for (const { op, args: rest } of steps) {
    switch (op) {
      case "FROM":
        assert.match(rest, /^node:24(-|$)/, "the image runs on Node 24");
        break;
      case "ARG": {
        const [name = "", value = ""] = rest.split("=");
        args[name] = value;
        break;
      }
      case "LABEL":
        image.labels += ` ${rest}`;
        break;
      case "WORKDIR":
        image.workdir = rest;
        mkdirSync(local("."), { recursive: true });
        break;
      case "ENV": {
        const m = /^(\w+)=(?:"([^"]*)"|(\S*))$/.exec(rest);
        assert.ok(m?.[1], `ENV NAME=value expected: ${rest}`);
        image.env[m[1]] = m[2] ?? m[3] ?? "";
        break;
      }
      case "COPY": {
        const parts = rest.split(/\s+/);
        const dest = parts.pop() ?? "";
        for (const src of parts) {
          const target = dest.endsWith("/") ? join(local(dest), src) : local(dest);
          cpSync(join(REPO_ROOT, src), target, { recursive: true });
        }
        break;
      }
      case "RUN":
        // A fresh npm cache: the build must not lean on this machine's, and its `npm cache clean` cleans only it.
        await promisify(execFile)("bash", ["-c", rest], { cwd: local("."), env: { ...process.env, ...image.env, NODE_ENV: image.env["NODE_ENV"] ?? "", npm_config_cache: npmCache }, maxBuffer: 16 << 20 });
        break;
      case "USER":
        image.user = rest;
        break;
      case "ENTRYPOINT":
        image.entrypoint = jsonArray(rest);
        break;
      case "CMD":
        image.cmd = jsonArray(rest);
        break;
      default:
        assert.fail(`the check does not perform Dockerfile instruction ${op}: teach it before using it`);
    }
  }
  rmSync(npmCache, { recursive: true, force: true });
  return image;
}

type Container = { args: string[]; env: { name: string; value?: string }[] };

function deploymentContainer(): Container {
  const d = parse(readFileSync(join(REPO_ROOT, "deploy", "base", "controller-deployment.yaml"), "utf8")) as { spec: { template: { spec: { containers: Container[] } } } };
  const c = d.spec.template.spec.containers[0];
  assert.ok(c);
  return c;
}

function makeReadOnly(path: string): void {
  for (const entry of readdirSync(path)) {
    const p = join(path, entry);
    if (statSync(p).isDirectory()) makeReadOnly(p);
    else chmodSync(p, 0o444);
  }
  chmodSync(path, 0o555);
}

let env: Env | undefined;
let controller: ChildProcess | undefined;
const root = mkdtempSync(join(tmpdir(), "sluice-image-"));
after(async () => {
  controller?.kill("SIGKILL");
  await env?.stop();
  chmodSync(root, 0o755);
  for (const p of [root]) {
    const writable = (dir: string) => {
      chmodSync(dir, 0o755);
      for (const e of readdirSync(dir)) if (statSync(join(dir, e)).isDirectory()) writable(join(dir, e));
    };
    writable(p);
  }
  rmSync(root, { recursive: true, force: true });
});

test("the Dockerfile's steps, performed in a clean directory, make an image whose controller runs a Rollout against the sandbox API server", { timeout: 300_000 }, async () => {
  const image = await build(root);
  const app = join(root, image.workdir);
  // The image: OCI labels, non-root, production dependencies only, none of the repository's other parts.
  for (const label of ["title", "source", "licenses", "version", "revision"]) assert.match(image.labels, new RegExp(`org\\.opencontainers\\.image\\.${label}=`));
  assert.ok(image.user && image.user !== "root" && image.user !== "0", "runs as a non-root user");
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(app, "node_modules", dep)), `dependency ${dep} is in the image`);
  // Nothing only the development tree needs (the lockfile marks those "dev"; typescript, say).
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
  const devOnly = Object.entries(lock.packages).filter(([path, p]) => p.dev === true && existsSync(join(app, path)));
  assert.deepEqual(devOnly.map(([path]) => path), [], "development-only packages in the image");
  assert.ok(Object.values(lock.packages).some((p) => p.dev === true), "the lockfile marks development-only packages");
  assert.deepEqual(readdirSync(app).sort(), ["crds", "node_modules", "package-lock.json", "package.json", "src"]);
  makeReadOnly(app);

  env = await startEnv({ readyDelayMs: 50 });
  const port = await freePort();
  const container = deploymentContainer();
  // The Deployment's args, its listeners moved to a free local port (a pod has its own network namespace).
  const args = [...container.args.map((a) => a.replace(/^:(\d+)$/, `127.0.0.1:${port}`)), "--kubeconfig", env.server.kubeconfigPath, "--leader-elect-namespace", "default"];
  assert.ok(args.includes("--leader-elect"));
  const [entry, ...entryArgs] = image.entrypoint;
  assert.equal(entry, "node");
  const podEnv = Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value ?? ""]));
  // A container's `args` replace the image's CMD (ENTRYPOINT stays), as the kubelet runs it.
  // As root (CI), drop to the image's user: uid 1000 is `node` in the node images. It must read the kubeconfig.
  const asNode = process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : {};
  if (process.getuid?.() === 0) {
    for (const dir of [root, dirname(env.server.kubeconfigPath)]) chmodSync(dir, 0o755); // mkdtemp's are 0700
    chmodSync(env.server.kubeconfigPath, 0o644);
  }
  controller = spawn(process.execPath, [...entryArgs.map((a) => (a.startsWith("/") ? join(root, a) : a)), ...args], {
    ...asNode,
    cwd: app,
    env: { PATH: process.env.PATH ?? "", HOME: app, ...image.env, ...podEnv, POD_NAMESPACE: "default" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  controller.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  assert.deepEqual(image.cmd, ["controller"], "the image alone (docker run) starts the controller");

  await env.waitFor("the controller's /readyz", async () => {
    if (controller?.exitCode !== null) throw new Error(`the controller exited (${controller?.exitCode}): ${stderr}`);
    const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    return r?.status === 200 ? true : undefined;
  }, 30_000);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  await env.kube.create(rolloutObject("from-image", { strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: "1s" } }] } } }));
  const first = await env.waitForPhase("from-image", "Healthy", 30_000);
  await env.setImage("from-image", "acme/web:2");
  // Healthy on the new revision (right after setImage the old Healthy status may still be read).
  const done = await env.waitForPhase("from-image", "Healthy", 30_000, (s) => s.stableRS !== first.stableRS && s.stableRS === s.currentPodHash);
  assert.ok(done.stableRS);
  assert.doesNotMatch(stderr, /EACCES|EROFS|ERR_MODULE_NOT_FOUND/, stderr);
});
