// `sluice sandbox api`: run the in-memory Kubernetes API server until killed.
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { startApiServer } from "../../sandbox/apiserver/index.ts";

export interface SandboxApiArgs {
  port: number;
  "kubeconfig-out"?: string;
  tls: boolean;
  crds: string[];
  "ready-delay-ms": number;
  rbac: boolean;
}

export const sandboxApiCommand: CommandModule<object, SandboxApiArgs> = {
  command: "api",
  describe: "Run an in-memory Kubernetes API server (kubectl and client-node compatible)",
  builder: (yargs: Argv<object>): Argv<SandboxApiArgs> =>
    yargs
      .option("port", { type: "number", default: 0, describe: "Port on 127.0.0.1 (0 = random)" })
      .option("kubeconfig-out", { type: "string", describe: "Write a kubeconfig for the server to this file" })
      .option("tls", { type: "boolean", default: false, describe: "Serve HTTPS with a generated self-signed CA" })
      .option("crds", { type: "string", array: true, default: [] as string[], describe: "YAML files to create at start-up (CRDs, objects)" })
      .option("ready-delay-ms", { type: "number", default: 200, describe: "Delay before simulated ReplicaSet pods become ready" })
      .option("rbac", {
        type: "boolean",
        default: false,
        describe: "Authenticate and authorize as kube-apiserver's RBAC does, over HTTPS (the kubeconfig's user is a superuser; `kubectl create token` issues ServiceAccount tokens)",
      }) as Argv<SandboxApiArgs>,
  handler: async (argv: ArgumentsCamelCase<SandboxApiArgs>): Promise<void> => {
    const server = await startApiServer({
      port: argv.port,
      // kubectl sends a bearer token over HTTPS only: RBAC mode serves TLS.
      tls: argv.tls || argv.rbac,
      preload: argv.crds,
      readyDelayMs: argv["ready-delay-ms"],
      rbac: argv.rbac,
      ...(argv["kubeconfig-out"] ? { kubeconfigPath: argv["kubeconfig-out"] } : {}),
    });
    process.stdout.write(`${server.url}\n`);
    process.stderr.write(`kubeconfig: ${server.kubeconfigPath}\n`);
    if (argv.rbac) process.stderr.write(`rbac: on (the kubeconfig's user is in system:masters; access log at ${server.url}/_sandbox/access-log)\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await server.stop();
  },
};

export default sandboxApiCommand;
