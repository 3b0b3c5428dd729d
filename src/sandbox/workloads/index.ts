// Public surface of the sandbox's workload runner: real demo-app processes as the pods of ReplicaSets.
export { ProcessWorkloadRunner, type WorkloadRunnerOptions, type SandboxPod } from "./runner.ts";
export { startEndpointsController, type EndpointsController } from "./endpoints-controller.ts";
export { endpointSubsetsFor } from "./endpoints-of.ts";
export { POD_PORT_ANNOTATION, POD_IP } from "./pod-object.ts";
export { DEMO_APP_ENTRY, PodStartError } from "./pod-process.ts";
