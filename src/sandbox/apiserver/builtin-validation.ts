// Validation the real server applies to the built-in kinds we serve, limited to what a
// controller is likely to get wrong (selectors vs template labels, containers, Lease/Service
// shapes). Messages follow pkg/apis/*/validation.
import { fieldErrors, type FieldError } from "./errors.ts";
import { isObject, objectField, type JsonObject } from "../../util/json.ts";
import { labelSelectorFromObject, matchesLabels } from "./selectors.ts";
import { validateName } from "./object-meta.ts";

function validateContainers(podSpec: JsonObject | undefined, base: string): FieldError[] {
  const errors: FieldError[] = [];
  const containers = podSpec?.["containers"];
  if (!Array.isArray(containers) || containers.length === 0) return [fieldErrors.required(`${base}.containers`)];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    if (!isObject(c)) return;
    const name = c["name"];
    if (typeof name !== "string" || name === "") errors.push(fieldErrors.required(`${base}.containers[${i}].name`));
    else {
      errors.push(...validateName(name, "label", `${base}.containers[${i}].name`));
      if (names.has(name)) errors.push(fieldErrors.duplicate(`${base}.containers[${i}].name`, name));
      names.add(name);
    }
    if (typeof c["image"] !== "string" || c["image"] === "") errors.push(fieldErrors.required(`${base}.containers[${i}].image`));
  });
  return errors;
}

function validateWorkload(obj: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = objectField(obj, "spec") ?? {};
  const replicas = spec["replicas"];
  if (typeof replicas === "number" && replicas < 0) errors.push(fieldErrors.invalid("spec.replicas", replicas, "must be greater than or equal to 0"));
  const selector = objectField(spec, "selector");
  const template = objectField(spec, "template");
  const labels = objectField(objectField(template, "metadata"), "labels") ?? {};
  if (!selector) errors.push(fieldErrors.required("spec.selector"));
  else {
    const reqs = labelSelectorFromObject(selector);
    if (reqs.length === 0) errors.push(fieldErrors.invalid("spec.selector", selector, "empty selector is invalid for deployment"));
    else if (!matchesLabels(reqs, labels)) {
      const goMap = `map[string]string{${Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(", ")}}`;
      errors.push({ type: "FieldValueInvalid", field: "spec.template.metadata.labels", message: `Invalid value: ${goMap}: \`selector\` does not match template \`labels\`` });
    }
  }
  if (!template) errors.push(fieldErrors.required("spec.template"));
  else errors.push(...validateContainers(objectField(template, "spec"), "spec.template.spec"));
  return errors;
}

export function validateBuiltin(kind: string, obj: JsonObject): FieldError[] {
  switch (kind) {
    case "Deployment":
    case "ReplicaSet":
      return validateWorkload(obj);
    case "Pod":
      return validateContainers(objectField(obj, "spec"), "spec");
    case "Job": {
      // pkg/apis/batch/validation: a Job's pods run to completion, so they never restart Always.
      const template = objectField(objectField(obj, "spec"), "template");
      if (!template) return [fieldErrors.required("spec.template")];
      const podSpec = objectField(template, "spec");
      const errors = validateContainers(podSpec, "spec.template.spec");
      const policy = podSpec?.["restartPolicy"];
      if (policy !== "OnFailure" && policy !== "Never") errors.push(fieldErrors.notSupported("spec.template.spec.restartPolicy", policy ?? "", ["OnFailure", "Never"]));
      return errors;
    }
    case "Service": {
      const ports = objectField(obj, "spec")?.["ports"];
      const errors: FieldError[] = [];
      if (objectField(obj, "spec")?.["type"] !== "ExternalName" && objectField(obj, "spec")?.["clusterIP"] !== "None" && (!Array.isArray(ports) || ports.length === 0)) {
        errors.push(fieldErrors.required("spec.ports"));
      }
      if (Array.isArray(ports)) {
        ports.forEach((p, i) => {
          if (!isObject(p)) return;
          const port = p["port"];
          if (typeof port !== "number" || port < 1 || port > 65535) errors.push(fieldErrors.invalid(`spec.ports[${i}].port`, port ?? 0, "must be between 1 and 65535, inclusive"));
          if (ports.length > 1 && (typeof p["name"] !== "string" || p["name"] === "")) errors.push(fieldErrors.required(`spec.ports[${i}].name`));
        });
      }
      return errors;
    }
    case "Lease": {
      const d = objectField(obj, "spec")?.["leaseDurationSeconds"];
      return typeof d === "number" && d <= 0 ? [fieldErrors.invalid("spec.leaseDurationSeconds", d, "must be greater than 0")] : [];
    }
    default:
      return [];
  }
}
