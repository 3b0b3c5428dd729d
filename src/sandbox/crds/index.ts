// Third-party CRDs shipped for the sandbox and tests (Gateway API, Istio, SMI).
import { fileURLToPath } from "node:url";

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

export const thirdPartyCrdFiles = {
  httpRoute: here("./gateway-api-httproutes.yaml"),
  virtualService: here("./istio-virtualservices.yaml"),
  destinationRule: here("./istio-destinationrules.yaml"),
  trafficSplit: here("./smi-trafficsplits.yaml"),
} as const;

export const allThirdPartyCrdFiles: readonly string[] = Object.values(thirdPartyCrdFiles);
