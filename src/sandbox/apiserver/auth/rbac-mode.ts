// RBAC mode of the sandbox API server, in front of every Kubernetes request: authenticate (bearer token or
// anonymous), apply impersonation, authorize the request's attributes against the stored RBAC objects, record
// the decision, and serve the endpoints that exist only for authentication and authorization (TokenRequest,
// the access and rules reviews, SelfSubjectReview). Admission's owner-reference checks go through it too.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JsonObject } from "../../../util/json.ts";
import type { AdmissionHook } from "../admission.ts";
import { ApiError } from "../errors.ts";
import { decodeBody, mediaType, readBody, sendJson } from "../http-util.ts";
import type { Registry } from "../registry.ts";
import type { Store } from "../store.ts";
import { accessReview, selfSubjectRulesReview, selfSubjectReview, type ReviewKind } from "./access-reviews.ts";
import { AccessLog } from "./access-log.ts";
import { requestForbidden } from "./auth-errors.ts";
import { AUTH_GROUPS } from "./auth-discovery.ts";
import { Authenticator } from "./authenticate.ts";
import { impersonatedUser } from "./impersonation.ts";
import { ownerReferencesAdmission } from "./owner-references-admission.ts";
import { RbacAuthorizer, type Decision } from "./rbac-authorizer.ts";
import { requestAttributes, type RequestAttributes, type ResourceAttributes } from "./request-attributes.ts";
import { ServiceAccountTokens } from "./service-account-tokens.ts";
import { tokenRequest } from "./token-request.ts";
import type { UserInfo } from "./user-info.ts";

export interface RbacModeOptions {
  store: Store;
  registry: Registry;
  /** The bearer token of the superuser (system:masters), written into the server's kubeconfig. */
  superuserToken: string;
  now: () => number;
}

const REVIEWS: Record<string, ReviewKind> = {
  selfsubjectaccessreviews: "SelfSubjectAccessReview",
  subjectaccessreviews: "SubjectAccessReview",
  localsubjectaccessreviews: "LocalSubjectAccessReview",
};

function methodNotAllowed(): ApiError {
  return new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

export class RbacMode {
  readonly accessLog = new AccessLog();
  readonly authorizer: RbacAuthorizer;
  private readonly o: RbacModeOptions;
  private readonly tokens: ServiceAccountTokens;
  private readonly authenticator: Authenticator;

  constructor(options: RbacModeOptions) {
    this.o = options;
    this.authorizer = new RbacAuthorizer(options.store);
    this.tokens = new ServiceAccountTokens(options.store, options.now);
    this.authenticator = new Authenticator(options.superuserToken, this.tokens);
  }

  /** An authorization decision made for a request of `user`, recorded in the access log. */
  check(user: UserInfo, attrs: RequestAttributes): Decision {
    const decision = this.authorizer.authorize(user, attrs);
    this.accessLog.record(user.name, attrs, decision.allowed);
    return decision;
  }

  /** Who the request runs as and what it asks; throws the 401 or 403 Status the request gets instead. */
  admit(req: IncomingMessage, url: URL): { user: UserInfo; attrs: RequestAttributes } {
    const requester = this.authenticator.authenticate(req.headers);
    const user = impersonatedUser(requester, req.headersDistinct, (u, a) => this.check(u, a));
    const attrs = requestAttributes(req.method ?? "GET", url);
    const decision = this.check(user, attrs);
    if (!decision.allowed) throw requestForbidden(user.name, attrs, decision.reason);
    return { user, attrs };
  }

  admissionFor(user: UserInfo): AdmissionHook {
    return ownerReferencesAdmission(this.o.registry, (attrs) => this.check(user, attrs));
  }

  /** Serve TokenRequest, the reviews and SelfSubjectReview; false when the request is for anything else. */
  async serveVirtual(req: IncomingMessage, res: ServerResponse, user: UserInfo, attrs: RequestAttributes): Promise<boolean> {
    if (attrs.kind !== "resource") return false;
    const answer = this.virtualAnswer(user, attrs);
    if (!answer) return false;
    if (attrs.verb !== "create") throw methodNotAllowed();
    const body = decodeBody(await readBody(req), mediaType(req.headers["content-type"]));
    sendJson(res, 201, answer(body));
    return true;
  }

  private virtualAnswer(user: UserInfo, a: ResourceAttributes): ((body: unknown) => JsonObject) | undefined {
    if (a.version !== "v1") return undefined;
    if (a.group === "" && a.resource === "serviceaccounts" && a.subresource === "token" && a.name !== "" && a.namespace !== "") {
      return (body) => tokenRequest(this.tokens, this.o.store, a.namespace, a.name, body, this.o.now());
    }
    if (a.subresource !== "" || a.name !== "" || !AUTH_GROUPS[a.group]?.some((r) => r.name === a.resource)) return undefined;
    const review = REVIEWS[a.resource];
    if (review) return (body) => accessReview(this.authorizer, review, user, a.namespace, body);
    if (a.resource === "selfsubjectrulesreviews") return (body) => selfSubjectRulesReview(this.authorizer, user, body);
    if (a.resource === "selfsubjectreviews") return () => selfSubjectReview(user);
    return undefined;
  }
}
