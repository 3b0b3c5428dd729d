// Who sent a request: the superuser's token (the kubeconfig the server writes, a member of system:masters like
// kube-apiserver's admin certificate), a ServiceAccount token from the TokenRequest API, or nobody (no
// Authorization header: system:anonymous, as with --anonymous-auth). Any other credential is a 401.
import type { IncomingHttpHeaders } from "node:http";
import type { ServiceAccountTokens } from "./service-account-tokens.ts";
import { unauthorized } from "./auth-errors.ts";
import { ALL_AUTHENTICATED, ANONYMOUS_USER, PRIVILEGED_GROUP, type UserInfo } from "./user-info.ts";

export const SUPERUSER_NAME = "sluice-sandbox-admin";
export const SUPERUSER: UserInfo = { name: SUPERUSER_NAME, groups: [PRIVILEGED_GROUP, ALL_AUTHENTICATED] };

export class Authenticator {
  private readonly superuserToken: string;
  private readonly tokens: ServiceAccountTokens;

  constructor(superuserToken: string, tokens: ServiceAccountTokens) {
    this.superuserToken = superuserToken;
    this.tokens = tokens;
  }

  /** The request's user; throws the 401 Status for a credential the server does not accept. */
  authenticate(headers: IncomingHttpHeaders): UserInfo {
    const header = headers.authorization;
    if (header === undefined) return ANONYMOUS_USER;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthorized();
    const token = match[1];
    if (token === this.superuserToken) return SUPERUSER;
    const user = this.tokens.authenticate(token);
    if (!user) throw unauthorized();
    return user;
  }
}
