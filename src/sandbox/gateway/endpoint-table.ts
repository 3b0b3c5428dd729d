/**
 * Ready endpoints per Service, read from Endpoints objects (one subset per pod in the sandbox, but any
 * valid Endpoints works: every ready address is paired with the subset's port for the wanted Service
 * port), picked round-robin within a Service.
 */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

interface EndpointPort {
  name?: string;
  port?: number;
}

interface EndpointSubset {
  addresses?: { ip?: string }[];
  ports?: EndpointPort[];
}

interface ServicePortSpec {
  name?: string;
  port?: number;
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class EndpointTable {
  private readonly subsets = new Map<string, EndpointSubset[]>();
  /** Service port number → port name, so a backendRef's port finds the Endpoints port of the same name. */
  private readonly portNames = new Map<string, Map<number, string | undefined>>();
  private readonly cursors = new Map<string, number>();

  setEndpoints(namespace: string, name: string, subsets: unknown): void {
    this.subsets.set(key(namespace, name), Array.isArray(subsets) ? (subsets as EndpointSubset[]) : []);
  }

  deleteEndpoints(namespace: string, name: string): void {
    this.subsets.delete(key(namespace, name));
  }

  setService(namespace: string, name: string, ports: unknown): void {
    const names = new Map<number, string | undefined>();
    if (Array.isArray(ports)) for (const p of ports as ServicePortSpec[]) if (typeof p.port === "number") names.set(p.port, p.name);
    this.portNames.set(key(namespace, name), names);
  }

  deleteService(namespace: string, name: string): void {
    this.portNames.delete(key(namespace, name));
  }

  /** Every ready endpoint of the Service for `servicePort` (undefined = its first port). */
  endpoints(namespace: string, name: string, servicePort: number | undefined): Endpoint[] {
    const subsets = this.subsets.get(key(namespace, name)) ?? [];
    const portName = servicePort === undefined ? undefined : this.portNames.get(key(namespace, name))?.get(servicePort);
    const out: Endpoint[] = [];
    for (const subset of subsets) {
      const ports = subset.ports ?? [];
      const port = (portName !== undefined ? ports.find((p) => p.name === portName) : undefined) ?? ports[0];
      if (typeof port?.port !== "number") continue;
      for (const address of subset.addresses ?? []) if (typeof address.ip === "string") out.push({ host: address.ip, port: port.port });
    }
    return out;
  }

  /** The next endpoint round-robin, or undefined when the Service has none ready. */
  next(namespace: string, name: string, servicePort: number | undefined): Endpoint | undefined {
    const all = this.endpoints(namespace, name, servicePort);
    if (all.length === 0) return undefined;
    const k = key(namespace, name);
    const cursor = this.cursors.get(k) ?? 0;
    this.cursors.set(k, (cursor + 1) % 1_000_000_007);
    return all[cursor % all.length];
  }
}
