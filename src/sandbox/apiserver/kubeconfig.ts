// kubeconfig for the in-memory server (sheet §10.1): one cluster/user/context, bearer token
// (ignored by the server, but clients send it), CA data when serving TLS.
import { writeFileSync } from "node:fs";
import { stringify } from "yaml";

export interface KubeconfigOptions {
  server: string;
  caCertPem?: string;
  token?: string;
  namespace?: string;
  contextName?: string;
}

export function kubeconfigYaml(options: KubeconfigOptions): string {
  const name = options.contextName ?? "sluice-sandbox";
  const cluster: Record<string, string | boolean> = { server: options.server };
  if (options.caCertPem) cluster["certificate-authority-data"] = Buffer.from(options.caCertPem).toString("base64");
  // client-node 2.0.1 refuses http:// servers unless insecure-skip-tls-verify is set (it
  // throws "HTTP protocol is not allowed when skipTLSVerify is not set or false"); kubectl
  // ignores the flag for http. Never combined with a CA (kubectl rejects that pair).
  else if (options.server.startsWith("http://")) cluster["insecure-skip-tls-verify"] = true;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster }],
    users: [{ name, user: { token: options.token ?? "sluice-sandbox-token" } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace ?? "default" } }],
    "current-context": name,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, options: KubeconfigOptions): void {
  writeFileSync(path, kubeconfigYaml(options), { mode: 0o600 });
}
