// Who a request is from (k8s.io/apiserver/pkg/authentication/user and .../serviceaccount): a name and groups,
// and the fixed names kube-apiserver gives ServiceAccounts, anonymous requests and the privileged group.

export interface UserInfo {
  name: string;
  groups: readonly string[];
  uid?: string;
  /** Impersonate-Extra-KEY values, keys lowercased. */
  extra?: Readonly<Record<string, readonly string[]>>;
}

export const ALL_AUTHENTICATED = "system:authenticated";
export const ALL_UNAUTHENTICATED = "system:unauthenticated";
export const ANONYMOUS = "system:anonymous";
/** Members bypass authorization, as kube-apiserver's privileged-group authorizer lets system:masters do. */
export const PRIVILEGED_GROUP = "system:masters";
export const SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";

const SA_PREFIX = "system:serviceaccount:";

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

/** The namespace and name in `system:serviceaccount:NS:NAME`, or undefined for any other user name. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const parts = username.slice(SA_PREFIX.length).split(":");
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts;
  if (!namespace || !name) return undefined;
  return { namespace, name };
}

/** The groups a ServiceAccount's token authenticates with (serviceaccount.MakeGroupNames), without system:authenticated. */
export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return { name: serviceAccountUsername(namespace, name), groups: [...serviceAccountGroups(namespace), ALL_AUTHENTICATED] };
}

export const ANONYMOUS_USER: UserInfo = { name: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] };
