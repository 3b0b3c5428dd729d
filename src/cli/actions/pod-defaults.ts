/**
 * The API server fills defaults into a ReplicaSet's pod template (imagePullPolicy, dnsPolicy, ...) but not
 * into the Rollout's (a custom resource). `undo` copies a ReplicaSet's template back into the Rollout, so it
 * drops the values that are exactly the server's defaults: the pods are the same either way, and the template
 * then hashes as it did before, so the controller finds the old ReplicaSet again instead of making a new one.
 */
type Json = Record<string, unknown>;

const POD_DEFAULTS: Json = {
  dnsPolicy: "ClusterFirst",
  restartPolicy: "Always",
  schedulerName: "default-scheduler",
  terminationGracePeriodSeconds: 30,
};
const CONTAINER_DEFAULTS: Json = {
  terminationMessagePath: "/dev/termination-log",
  terminationMessagePolicy: "File",
};
const PROBE_DEFAULTS: Json = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };

const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isEmpty = (v: unknown) => isRecord(v) && Object.keys(v).length === 0;

function dropDefaults(object: Json, defaults: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([key, value]) => defaults[key] !== value));
}

/** Kubernetes defaults imagePullPolicy to Always for :latest (or no tag), else IfNotPresent. */
function defaultPullPolicy(image: unknown): string {
  if (typeof image !== "string") return "IfNotPresent";
  const name = image.split("@")[0] ?? image;
  const tag = name.lastIndexOf(":") > name.lastIndexOf("/") ? name.slice(name.lastIndexOf(":") + 1) : "";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

function container(c: unknown): unknown {
  if (!isRecord(c)) return c;
  let out = dropDefaults(c, CONTAINER_DEFAULTS);
  if (out.imagePullPolicy === defaultPullPolicy(out.image)) out = dropDefaults(out, { imagePullPolicy: out.imagePullPolicy });
  if (isEmpty(out.resources)) out = dropDefaults(out, { resources: out.resources });
  if (Array.isArray(out.ports)) out.ports = out.ports.map((p) => (isRecord(p) ? dropDefaults(p, { protocol: "TCP" }) : p));
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    if (isRecord(out[probe])) out[probe] = dropDefaults(out[probe], PROBE_DEFAULTS);
  }
  return out;
}

export function withoutServerDefaults(template: Json): Json {
  if (!isRecord(template.spec)) return template;
  let spec = dropDefaults(template.spec, POD_DEFAULTS);
  if (isEmpty(spec.securityContext)) spec = dropDefaults(spec, { securityContext: spec.securityContext });
  for (const list of ["containers", "initContainers"]) {
    if (Array.isArray(spec[list])) spec[list] = spec[list].map(container);
  }
  return { ...template, spec };
}
