/** What every cluster command needs: a client and the namespace it works in, from the global options. */
import type { KubeConfig } from "@kubernetes/client-node";
import { ClientNodeKube } from "../kube/kube-client.ts";
import { loadKubeConfig, targetNamespace, type KubeTarget } from "../kube/kubeconfig.ts";

export type Cluster = { kc: KubeConfig; kube: ClientNodeKube; namespace: string };

export function connect(target: KubeTarget): Cluster {
  const kc = loadKubeConfig(target);
  return { kc, kube: new ClientNodeKube(kc), namespace: targetNamespace(kc, target) };
}

export type GlobalArgs = { kubeconfig?: string | undefined; context?: string | undefined; namespace?: string | undefined };
