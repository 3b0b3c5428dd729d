// Built-in resource types served without a CRD, with their server-side defaults and the
// columns `kubectl get` shows for them (pkg/printers/internalversion equivalents).
import { ensureObject, isObject, objectField, stringField, type JsonObject, type JsonValue } from "../../util/json.ts";
import { ageOf } from "./human-duration.ts";
import { normalizeMicroTime, normalizeTime } from "./object-meta.ts";
import { patchMetaByKind } from "./patch/patch-meta.ts";
import { builtinPruneSchema } from "./builtin-schemas.ts";
import { eventFieldToCore, eventFromCore, eventToCore } from "./event-conversion.ts";
import { storageKeyOf, type BuiltinPrinter, type ResourceType } from "./resource-type.ts";

const NAME_COLUMN = { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names" };
const AGE_COLUMN = { name: "Age", type: "string", description: "CreationTimestamp is a timestamp representing the server time when this object was created." };

function meta(obj: JsonObject): JsonObject {
  return objectField(obj, "metadata") ?? {};
}

function num(v: JsonValue | undefined): number {
  return typeof v === "number" ? v : 0;
}

function printer(columns: BuiltinPrinter["columns"], cells: (obj: JsonObject, now: number) => unknown[]): BuiltinPrinter {
  return {
    columns: [NAME_COLUMN, ...columns, AGE_COLUMN],
    cells: (obj, now) => [stringField(meta(obj), "name") ?? "", ...cells(obj, now), ageOf(meta(obj)["creationTimestamp"], now)],
  };
}

/** Generic convertor of the real server for types without a printer: Name + Created At. */
export const genericPrinter: BuiltinPrinter = {
  columns: [NAME_COLUMN, { name: "Created At", type: "date", description: "CreationTimestamp is a timestamp representing the server time when this object was created." }],
  cells: (obj) => [stringField(meta(obj), "name") ?? "", stringField(meta(obj), "creationTimestamp") ?? null],
};

function defaultContainer(c: JsonValue): void {
  if (!isObject(c)) return;
  const image = typeof c["image"] === "string" ? c["image"] : "";
  if (c["imagePullPolicy"] === undefined) {
    const tagged = /:[^/]+$/.test(image.replace(/@.*$/, ""));
    c["imagePullPolicy"] = !tagged || image.endsWith(":latest") ? "Always" : "IfNotPresent";
  }
  c["terminationMessagePath"] ??= "/dev/termination-log";
  c["terminationMessagePolicy"] ??= "File";
  c["resources"] ??= {};
  const ports = c["ports"];
  if (Array.isArray(ports)) for (const p of ports) if (isObject(p)) p["protocol"] ??= "TCP";
}

export function defaultPodSpec(spec: JsonObject): void {
  for (const key of ["containers", "initContainers"]) {
    const list = spec[key];
    if (Array.isArray(list)) list.forEach(defaultContainer);
  }
  spec["restartPolicy"] ??= "Always";
  spec["terminationGracePeriodSeconds"] ??= 30;
  spec["dnsPolicy"] ??= "ClusterFirst";
  spec["securityContext"] ??= {};
  spec["schedulerName"] ??= "default-scheduler";
}

function defaultTemplate(spec: JsonObject): void {
  const template = objectField(spec, "template");
  if (!template) return;
  ensureObject(template, "metadata");
  defaultPodSpec(ensureObject(template, "spec"));
}

function readyCount(obj: JsonObject): string {
  const statuses = objectField(obj, "status")?.["containerStatuses"];
  const containers = objectField(obj, "spec")?.["containers"];
  const total = Array.isArray(containers) ? containers.length : 0;
  const ready = Array.isArray(statuses) ? statuses.filter((s) => isObject(s) && s["ready"] === true).length : 0;
  return `${ready}/${total}`;
}

function servicePorts(obj: JsonObject): string {
  const ports = objectField(obj, "spec")?.["ports"];
  if (!Array.isArray(ports) || ports.length === 0) return "<none>";
  return ports
    .filter(isObject)
    .map((p) => `${String(p["port"])}${p["nodePort"] !== undefined ? `:${String(p["nodePort"])}` : ""}/${String(p["protocol"] ?? "TCP")}`)
    .join(",");
}

interface BuiltinSpec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  scale?: boolean;
  generation?: boolean;
  unconditionalUpdate?: boolean;
  createOnUpdate?: boolean;
  printer?: BuiltinPrinter;
  defaulter?: (obj: JsonObject) => void;
}

function builtin(s: BuiltinSpec): ResourceType {
  const t: ResourceType = {
    group: s.group,
    version: s.version,
    kind: s.kind,
    listKind: `${s.kind}List`,
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    namespaced: s.namespaced,
    shortNames: s.shortNames ?? [],
    categories: s.categories ?? [],
    statusSubresource: s.status ?? false,
    strategicMerge: true,
    patchMeta: patchMetaByKind[s.kind] ?? patchMetaByKind["Generic"],
    allowUnconditionalUpdate: s.unconditionalUpdate ?? true,
    allowCreateOnUpdate: s.createOnUpdate ?? true,
    tracksGeneration: s.generation ?? false,
    builtinPrinter: s.printer ?? genericPrinter,
    storageKey: storageKeyOf(s.group, s.plural),
  };
  if (s.scale) t.scale = { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".spec.selector" };
  if (s.defaulter) t.defaulter = s.defaulter;
  const pruneSchema = builtinPruneSchema(s.group, s.kind);
  if (pruneSchema) t.pruneSchema = pruneSchema;
  return t;
}

/** Cluster IPs are handed out from 10.96.0.0/16 like a default kubeadm cluster. */
function makeServiceDefaulter(): (obj: JsonObject) => void {
  let next = 10;
  return (obj) => {
    const spec = ensureObject(obj, "spec");
    spec["type"] ??= "ClusterIP";
    spec["sessionAffinity"] ??= "None";
    if (spec["type"] !== "ExternalName") {
      if (spec["clusterIP"] === undefined || spec["clusterIP"] === "") {
        spec["clusterIP"] = `10.96.${Math.floor(next / 250)}.${(next % 250) + 1}`;
        next++;
      }
      spec["clusterIPs"] ??= [spec["clusterIP"]];
      spec["ipFamilies"] ??= ["IPv4"];
      spec["ipFamilyPolicy"] ??= "SingleStack";
      spec["internalTrafficPolicy"] ??= "Cluster";
    }
    const ports = spec["ports"];
    if (Array.isArray(ports)) {
      for (const p of ports) {
        if (!isObject(p)) continue;
        p["protocol"] ??= "TCP";
        if (p["targetPort"] === undefined && p["port"] !== undefined) p["targetPort"] = p["port"];
      }
    }
    const status = ensureObject(obj, "status");
    status["loadBalancer"] ??= {};
  };
}

export function builtinResourceTypes(): ResourceType[] {
  return [
    builtin({
      group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false, shortNames: ["ns"], status: true,
      printer: printer([{ name: "Status", type: "string", description: "The status of the namespace" }], (o) => [stringField(objectField(o, "status"), "phase") ?? ""]),
      defaulter: (o) => {
        const spec = ensureObject(o, "spec");
        spec["finalizers"] ??= ["kubernetes"];
        const status = ensureObject(o, "status");
        status["phase"] ??= "Active";
        const labels = ensureObject(ensureObject(o, "metadata"), "labels");
        const name = stringField(meta(o), "name");
        if (name) labels["kubernetes.io/metadata.name"] = name;
      },
    }),
    builtin({
      group: "", version: "v1", kind: "Service", plural: "services", namespaced: true, shortNames: ["svc"], categories: ["all"], status: true,
      printer: printer(
        [
          { name: "Type", type: "string" },
          { name: "Cluster-IP", type: "string" },
          { name: "External-IP", type: "string" },
          { name: "Port(s)", type: "string" },
        ],
        (o) => [stringField(objectField(o, "spec"), "type") ?? "", stringField(objectField(o, "spec"), "clusterIP") ?? "", "<none>", servicePorts(o)],
      ),
      defaulter: makeServiceDefaulter(),
    }),
    builtin({
      group: "", version: "v1", kind: "Endpoints", plural: "endpoints", namespaced: true, shortNames: ["ep"],
      printer: printer([{ name: "Endpoints", type: "string" }], (o) => {
        const subsets = o["subsets"];
        if (!Array.isArray(subsets) || subsets.length === 0) return ["<none>"];
        const addrs = subsets.filter(isObject).flatMap((s) => {
          const a = s["addresses"];
          const ports = s["ports"];
          const port = Array.isArray(ports) && isObject(ports[0]) ? `:${String(ports[0]["port"])}` : "";
          return Array.isArray(a) ? a.filter(isObject).map((x) => `${String(x["ip"])}${port}`) : [];
        });
        return [addrs.length ? addrs.slice(0, 3).join(",") + (addrs.length > 3 ? ` + ${addrs.length - 3} more...` : "") : "<none>"];
      }),
    }),
    builtin({
      group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, shortNames: ["cm"],
      printer: printer([{ name: "Data", type: "integer" }], (o) => [Object.keys(objectField(o, "data") ?? {}).length + Object.keys(objectField(o, "binaryData") ?? {}).length]),
    }),
    builtin({
      group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true,
      printer: printer([{ name: "Type", type: "string" }, { name: "Data", type: "integer" }], (o) => [stringField(o, "type") ?? "Opaque", Object.keys(objectField(o, "data") ?? {}).length]),
      defaulter: (o) => {
        o["type"] ??= "Opaque";
      },
    }),
    builtin({
      group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, shortNames: ["po"], categories: ["all"], status: true,
      printer: printer(
        [{ name: "Ready", type: "string" }, { name: "Status", type: "string" }, { name: "Restarts", type: "string" }],
        (o) => [readyCount(o), stringField(objectField(o, "status"), "phase") ?? "Pending", "0"],
      ),
      defaulter: (o) => {
        defaultPodSpec(ensureObject(o, "spec"));
        const status = ensureObject(o, "status");
        status["phase"] ??= "Pending";
        status["qosClass"] ??= "BestEffort";
      },
    }),
    builtin({
      group: "", version: "v1", kind: "Event", plural: "events", namespaced: true, shortNames: ["ev"],
      defaulter: (o) => {
        // eventTime (MicroTime) and reportingComponent have no omitempty in core/v1.
        o["eventTime"] = o["eventTime"] === undefined ? null : (normalizeMicroTime(o["eventTime"]) as JsonValue);
        o["reportingComponent"] ??= "";
        o["reportingInstance"] ??= "";
        for (const key of ["firstTimestamp", "lastTimestamp"]) if (o[key] !== undefined) o[key] = normalizeTime(o[key]) as JsonValue;
        const series = objectField(o, "series");
        if (series?.["lastObservedTime"] !== undefined) series["lastObservedTime"] = normalizeMicroTime(series["lastObservedTime"]) as JsonValue;
      },
      printer: {
        columns: [
          { name: "Last Seen", type: "string" },
          { name: "Type", type: "string" },
          { name: "Reason", type: "string" },
          { name: "Object", type: "string" },
          { name: "Message", type: "string" },
          { ...NAME_COLUMN, priority: 1 },
        ],
        cells: (o, now) => {
          const involved = objectField(o, "involvedObject") ?? {};
          const last = o["lastTimestamp"] ?? o["firstTimestamp"] ?? o["eventTime"];
          return [
            ageOf(last, now),
            stringField(o, "type") ?? "",
            stringField(o, "reason") ?? "",
            `${(stringField(involved, "kind") ?? "").toLowerCase()}/${stringField(involved, "name") ?? ""}`,
            stringField(o, "message") ?? "",
            stringField(meta(o), "name") ?? "",
          ];
        },
      },
    }),
    {
      ...builtin({
        group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", namespaced: true, shortNames: ["ev"],
        defaulter: (o) => {
          if (o["eventTime"] !== undefined) o["eventTime"] = normalizeMicroTime(o["eventTime"]) as JsonValue;
          for (const key of ["deprecatedFirstTimestamp", "deprecatedLastTimestamp"]) if (o[key] !== undefined) o[key] = normalizeTime(o[key]) as JsonValue;
          const series = objectField(o, "series");
          if (series?.["lastObservedTime"] !== undefined) series["lastObservedTime"] = normalizeMicroTime(series["lastObservedTime"]) as JsonValue;
        },
      }),
      storageKey: storageKeyOf("", "events"),
      conversion: { toStorage: eventToCore, fromStorage: eventFromCore, fieldToStorage: eventFieldToCore },
    },
    builtin({
      group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true, shortNames: ["deploy"], categories: ["all"],
      status: true, scale: true, generation: true,
      printer: printer(
        [{ name: "Ready", type: "string" }, { name: "Up-to-date", type: "integer" }, { name: "Available", type: "integer" }],
        (o) => {
          const st = objectField(o, "status") ?? {};
          return [`${num(st["readyReplicas"])}/${num(objectField(o, "spec")?.["replicas"])}`, num(st["updatedReplicas"]), num(st["availableReplicas"])];
        },
      ),
      defaulter: (o) => {
        const spec = ensureObject(o, "spec");
        spec["replicas"] ??= 1;
        spec["strategy"] ??= { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } };
        spec["revisionHistoryLimit"] ??= 10;
        spec["progressDeadlineSeconds"] ??= 600;
        defaultTemplate(spec);
      },
    }),
    builtin({
      group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true, shortNames: ["rs"], categories: ["all"],
      status: true, scale: true, generation: true,
      printer: printer(
        [{ name: "Desired", type: "integer" }, { name: "Current", type: "integer" }, { name: "Ready", type: "integer" }],
        (o) => {
          const st = objectField(o, "status") ?? {};
          return [num(objectField(o, "spec")?.["replicas"]), num(st["replicas"]), num(st["readyReplicas"])];
        },
      ),
      defaulter: (o) => {
        const spec = ensureObject(o, "spec");
        spec["replicas"] ??= 1;
        defaultTemplate(spec);
        // ReplicaSetStatus.replicas has no omitempty: a real server always serialises it.
        ensureObject(o, "status")["replicas"] ??= 0;
      },
    }),
    builtin({
      group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true, categories: ["all"],
      status: true, generation: true,
      printer: printer(
        [{ name: "Status", type: "string" }, { name: "Completions", type: "string" }],
        (o) => {
          const st = objectField(o, "status") ?? {};
          const conditions = Array.isArray(st["conditions"]) ? st["conditions"].filter(isObject) : [];
          const done = conditions.find((c) => (c["type"] === "Complete" || c["type"] === "Failed") && c["status"] === "True");
          return [done ? String(done["type"]) : "Running", `${num(st["succeeded"])}/${num(objectField(o, "spec")?.["completions"])}`];
        },
      ),
      // pkg/apis/batch/v1/defaults.go (podReplacementPolicy: TerminatingOrFailed without a podFailurePolicy).
      // The generated selector (batch.kubernetes.io/controller-uid) is not made: nothing here selects a Job's pods.
      defaulter: (o) => {
        const spec = ensureObject(o, "spec");
        spec["parallelism"] ??= 1;
        spec["completions"] ??= 1;
        spec["backoffLimit"] ??= 6;
        spec["completionMode"] ??= "NonIndexed";
        spec["suspend"] ??= false;
        if (spec["podFailurePolicy"] === undefined) spec["podReplacementPolicy"] ??= "TerminatingOrFailed";
        defaultTemplate(spec);
      },
    }),
    // What an install (deploy/) creates besides the controller's own kinds: stored, defaulted and printed as the
    // real server does, with nothing run for them (no StatefulSet controller, no eviction API).
    builtin({
      group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true, shortNames: ["sa"],
      printer: printer([{ name: "Secrets", type: "integer" }], (o) => [Array.isArray(o["secrets"]) ? o["secrets"].length : 0]),
    }),
    builtin({
      group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true, shortNames: ["sts"], categories: ["all"],
      status: true, scale: true, generation: true,
      printer: printer([{ name: "Ready", type: "string" }], (o) => [`${num(objectField(o, "status")?.["readyReplicas"])}/${num(objectField(o, "spec")?.["replicas"])}`]),
      defaulter: (o) => {
        const spec = ensureObject(o, "spec");
        spec["replicas"] ??= 1;
        spec["podManagementPolicy"] ??= "OrderedReady";
        spec["updateStrategy"] ??= { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
        spec["revisionHistoryLimit"] ??= 10;
        spec["persistentVolumeClaimRetentionPolicy"] ??= { whenDeleted: "Retain", whenScaled: "Retain" };
        defaultTemplate(spec);
        ensureObject(o, "status")["replicas"] ??= 0;
      },
    }),
    builtin({
      group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", namespaced: true, shortNames: ["pdb"], status: true, generation: true,
      printer: printer(
        [{ name: "Min Available", type: "string" }, { name: "Max Unavailable", type: "string" }, { name: "Allowed Disruptions", type: "integer" }],
        (o) => {
          const spec = objectField(o, "spec") ?? {};
          return [String(spec["minAvailable"] ?? "N/A"), String(spec["maxUnavailable"] ?? "N/A"), num(objectField(o, "status")?.["disruptionsAllowed"])];
        },
      ),
    }),
    ...(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"] as const).map((kind) =>
      builtin({
        group: "rbac.authorization.k8s.io", version: "v1", kind, plural: `${kind.toLowerCase()}s`, namespaced: !kind.startsWith("Cluster"),
        printer: kind.endsWith("Binding")
          ? printer([{ name: "Role", type: "string" }], (o) => {
              const ref = objectField(o, "roleRef") ?? {};
              return [`${stringField(ref, "kind") ?? ""}/${stringField(ref, "name") ?? ""}`];
            })
          : { columns: [NAME_COLUMN, { name: "Created At", type: "date" }], cells: (o) => [stringField(meta(o), "name") ?? "", stringField(meta(o), "creationTimestamp") ?? null] },
      }),
    ),
    builtin({
      group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices", namespaced: true,
    }),
    builtin({
      group: "networking.k8s.io", version: "v1", kind: "Ingress", plural: "ingresses", namespaced: true, shortNames: ["ing"], status: true, generation: true,
      printer: printer(
        [{ name: "Class", type: "string" }, { name: "Hosts", type: "string" }, { name: "Address", type: "string" }, { name: "Ports", type: "string" }],
        (o) => {
          const spec = objectField(o, "spec") ?? {};
          const rules = spec["rules"];
          const hosts = Array.isArray(rules) ? rules.filter(isObject).map((r) => stringField(r, "host") ?? "*") : [];
          return [stringField(spec, "ingressClassName") ?? "<none>", hosts.length ? hosts.join(",") : "*", "", Array.isArray(spec["tls"]) ? "80, 443" : "80"];
        },
      ),
    }),
    builtin({
      group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true,
      unconditionalUpdate: false, createOnUpdate: true,
      defaulter: (o) => {
        const spec = objectField(o, "spec");
        if (!spec) return;
        for (const key of ["acquireTime", "renewTime"]) if (spec[key] !== undefined) spec[key] = normalizeMicroTime(spec[key]) as JsonValue;
      },
      printer: printer([{ name: "Holder", type: "string" }], (o) => [stringField(objectField(o, "spec"), "holderIdentity") ?? ""]),
    }),
    {
      ...builtin({
        group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions", namespaced: false,
        shortNames: ["crd", "crds"], status: true, generation: true, unconditionalUpdate: false, createOnUpdate: false,
        printer: { columns: [NAME_COLUMN, { name: "Created At", type: "date" }], cells: (o) => [stringField(meta(o), "name") ?? "", stringField(meta(o), "creationTimestamp") ?? null] },
      }),
      // kubectl does not know apiextensions types, so it sends JSON merge patches; the real
      // server still accepts SMP for CRDs (they are built-in), merging nothing specially.
    },
  ];
}
