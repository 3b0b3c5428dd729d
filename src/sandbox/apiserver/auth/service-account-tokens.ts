// The TokenRequest API's tokens: opaque random strings kept in a server-side map, each bound to one
// ServiceAccount (by UID: a token dies with its ServiceAccount, as a bound token does) until it expires.
import { randomBytes } from "node:crypto";
import { stringField } from "../../../util/json.ts";
import { metadataOf, type Store } from "../store.ts";
import { serviceAccountUser, type UserInfo } from "./user-info.ts";

interface Issued {
  namespace: string;
  name: string;
  uid: string;
  expiresAt: number;
}

export const SERVICE_ACCOUNTS_KEY = "serviceaccounts";

export class ServiceAccountTokens {
  private readonly issued = new Map<string, Issued>();
  private readonly store: Store;
  private readonly now: () => number;

  constructor(store: Store, now: () => number) {
    this.store = store;
    this.now = now;
  }

  issue(namespace: string, name: string, uid: string, expirationSeconds: number): { token: string; expiresAt: number } {
    const token = `sluice-sa.${randomBytes(32).toString("base64url")}`;
    const expiresAt = this.now() + expirationSeconds * 1000;
    this.issued.set(token, { namespace, name, uid, expiresAt });
    return { token, expiresAt };
  }

  /** The ServiceAccount's identity, or undefined for an unknown or expired token or a ServiceAccount deleted since. */
  authenticate(token: string): UserInfo | undefined {
    const found = this.issued.get(token);
    if (!found) return undefined;
    if (this.now() >= found.expiresAt) {
      this.issued.delete(token);
      return undefined;
    }
    const sa = this.store.get(SERVICE_ACCOUNTS_KEY, found.namespace, found.name);
    if (!sa || stringField(metadataOf(sa), "uid") !== found.uid) return undefined;
    return serviceAccountUser(found.namespace, found.name);
  }
}
