// The TokenRequest subresource (POST /api/v1/namespaces/NS/serviceaccounts/NAME/token, what `kubectl create
// token NAME -n NS` sends): a token for the ServiceAccount, valid spec.expirationSeconds (default one hour,
// at least ten minutes, as kube-apiserver requires).
import { z } from "zod";
import { stringField, type JsonObject } from "../../../util/json.ts";
import { ApiError, invalid, notFound } from "../errors.ts";
import { metadataOf, type Store } from "../store.ts";
import { SERVICE_ACCOUNTS_KEY, type ServiceAccountTokens } from "./service-account-tokens.ts";

const DEFAULT_AUDIENCE = "https://kubernetes.default.svc.cluster.local";
const tokenRequestSchema = z.object({
  spec: z
    .object({
      audiences: z.array(z.string()).nullish(),
      expirationSeconds: z.number().int().nullish(),
      boundObjectRef: z.unknown().optional(),
    })
    .optional(),
});

function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export function tokenRequest(tokens: ServiceAccountTokens, store: Store, namespace: string, name: string, body: unknown, now: number): JsonObject {
  const parsed = tokenRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new ApiError(400, "BadRequest", `TokenRequest in version "v1" cannot be handled as a TokenRequest: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const spec = parsed.data.spec ?? {};
  const expirationSeconds = spec.expirationSeconds ?? 3600;
  const tooShort = expirationSeconds < 600;
  if (tooShort || expirationSeconds > 2 ** 32) {
    const detail = tooShort ? "may not specify a duration less than 10 minutes" : "may not specify a duration larger than 2^32 seconds";
    throw invalid({ group: "authentication.k8s.io", plural: "tokenrequests", kind: "TokenRequest" }, name, [
      { type: "FieldValueInvalid", field: "spec.expirationSeconds", message: `Invalid value: ${expirationSeconds}: ${detail}` },
    ]);
  }
  const sa = store.get(SERVICE_ACCOUNTS_KEY, namespace, name);
  if (!sa) throw notFound({ group: "", plural: "serviceaccounts" }, name);
  const uid = stringField(metadataOf(sa), "uid") ?? "";
  const issued = tokens.issue(namespace, name, uid, expirationSeconds);
  const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : [DEFAULT_AUDIENCE];
  return {
    kind: "TokenRequest",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { name, namespace, creationTimestamp: timestamp(now) },
    spec: { audiences: [...audiences], expirationSeconds, boundObjectRef: null },
    status: { token: issued.token, expirationTimestamp: timestamp(issued.expiresAt) },
  };
}
