/** The API group and version every sluice kind is served under. */
export const API_GROUP = "sluice.dev";
export const API_VERSION = "v1alpha1";
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

/** Label put on every pod (and ReplicaSet) sluice creates; same name as Argo Rollouts so dashboards carry over. */
export const POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash";
