/**
 * Secret values through the Kubernetes API (base64 `data`, or `stringData` as the sandbox may keep it).
 * Surrounding whitespace is trimmed: `kubectl create secret --from-file` keeps the file's trailing newline,
 * which would otherwise be refused in a query, or sent as part of a token or password.
 */
import type { RouterKubeClient } from "../routers/types.ts";
import type { SecretReader } from "./prometheus-connection.ts";

export function kubeSecretReader(kube: Pick<RouterKubeClient, "get">): SecretReader {
  return async (namespace, name, key) => {
    const secret = await kube.get({ apiVersion: "v1", kind: "Secret", namespace, name });
    if (!secret) return undefined;
    const data = secret.data as Record<string, string> | undefined;
    const encoded = data?.[key];
    const value = encoded !== undefined ? Buffer.from(encoded, "base64").toString("utf8") : (secret.stringData as Record<string, string> | undefined)?.[key];
    return value?.trim();
  };
}
