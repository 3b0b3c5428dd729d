/** Build a KubeConfig the way kubectl does: --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else in-cluster. */
import type { KubeConfig } from "@kubernetes/client-node";
import { SharedConnectionKubeConfig } from "./shared-connections.ts";

export type KubeTarget = { kubeconfig?: string | undefined; context?: string | undefined; namespace?: string | undefined };

export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubeConfigError";
  }
}

export function loadKubeConfig(target: KubeTarget): KubeConfig {
  const kc = new SharedConnectionKubeConfig();
  try {
    if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new KubeConfigError(
      `cannot read kubeconfig ${target.kubeconfig ?? "(default)"}: ${error instanceof Error ? error.message : String(error)}; pass --kubeconfig FILE`,
    );
  }
  if (target.context) {
    if (!kc.getContexts().some((c) => c.name === target.context)) {
      throw new KubeConfigError(`context "${target.context}" is not in the kubeconfig; known: ${kc.getContexts().map((c) => c.name).join(", ") || "none"}`);
    }
    kc.setCurrentContext(target.context);
  }
  if (!kc.getCurrentCluster()) throw new KubeConfigError("the kubeconfig has no current cluster; pass --kubeconfig or --context");
  return kc;
}

/** The namespace a command works in: -n, else the context's, else "default" (as kubectl). */
export function targetNamespace(kc: KubeConfig, target: KubeTarget): string {
  if (target.namespace) return target.namespace;
  const context = kc.getContextObject(kc.getCurrentContext());
  return context?.namespace || "default";
}
