/** Kubernetes objects as sluice handles them: plain JSON with the metadata it reads typed. */
/** Any Kubernetes object: callers read a few fields (validated with zod) and keep the rest as is. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
};

export type KubeMetadata = {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
};

export type OwnerReference = {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
};

export type ObjectRef = { apiVersion: string; kind: string; namespace: string; name: string };

