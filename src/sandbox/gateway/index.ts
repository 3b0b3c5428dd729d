// Public surface of the sandbox gateway: an HTTP proxy routing by one HTTPRoute.
export { startGateway, BACKEND_HEADER, GatewayTimeoutError, type GatewayOptions, type RunningGateway } from "./gateway.ts";
export { chooseBackend, matchingRule, pickWeighted, seededRandom, type BackendTarget, type GatewayRequest, type Random, type RouteDecision } from "./choose-backend.ts";
export { EndpointTable, type Endpoint } from "./endpoint-table.ts";
