/**
 * One connection pool for every request to the API server.
 *
 * client-node 2.0 builds a new undici Agent for every request (KubeConfig.applySecurityAuthentication calls
 * createDispatcher each time) whenever the cluster has TLS settings, skip-verify included. Each Agent opens its
 * own connection (a TCP and TLS handshake per request) and stays reachable until that keep-alive socket closes:
 * measured with bench/scale.ts, 7,600 live Agents, Pools and Sockets and 150 MiB of their buffers in a
 * controller carrying 200 Rollouts. This KubeConfig keeps the first Agent per connection identity and hands it
 * to every later request, so connections are reused as kubectl and client-go reuse theirs.
 *
 * Headers (tokens, basic auth) are still applied per request, so rotating tokens keep working. Credentials that
 * an exec plugin or auth provider may turn into client certificates are not cached: their requests keep
 * client-node's own behaviour, since a cached Agent would keep presenting an expired certificate.
 */
import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

export class SharedConnectionKubeConfig extends KubeConfig {
  private shared: { key: string; dispatcher: Dispatcher } | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const created = context.getDispatcher();
    const key = this.connectionIdentity();
    if (created === undefined || key === undefined) return;
    if (this.shared?.key !== key) {
      const old = this.shared?.dispatcher;
      this.shared = { key, dispatcher: created };
      // Requests in flight on the old pool finish; it closes once they have.
      if (old) void old.close().catch(() => undefined);
      return;
    }
    // The Agent just built has no connection yet: dropping it costs nothing but the allocation.
    context.setDispatcher(this.shared.dispatcher);
  }

  /** What a connection depends on, or undefined when it may change under us (exec plugin, auth provider). */
  private connectionIdentity(): string | undefined {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (!cluster || user?.exec || user?.authProvider) return undefined;
    return JSON.stringify([
      cluster.server,
      cluster.skipTLSVerify,
      cluster.tlsServerName,
      cluster.proxyUrl,
      cluster.caData,
      cluster.caFile,
      user?.certData,
      user?.certFile,
      user?.keyData,
      user?.keyFile,
    ]);
  }
}

/** The same configuration, with shared connections (itself when it already has them). */
export function withSharedConnections(kc: KubeConfig): KubeConfig {
  if (kc instanceof SharedConnectionKubeConfig) return kc;
  const shared = new SharedConnectionKubeConfig();
  shared.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
  return shared;
}
