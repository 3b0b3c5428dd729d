// Public surface of the in-memory Kubernetes API server.
export { startApiServer, type ApiServer, type ApiServerOptions } from "./server.ts";
export { FaultInjector, type FaultKind, type FaultRule, type Verb } from "./faults.ts";
export { DelayedReadySimulator, NoopSimulator, type WorkloadSimulator, type WorkloadHandle, type ReplicaSetChange } from "./simulation.ts";
export { ApiError } from "./errors.ts";
export { kubeconfigYaml, writeKubeconfig } from "./kubeconfig.ts";
export type { JsonObject, JsonValue } from "../../util/json.ts";
