// The RBAC authorizer (plugin/pkg/auth/authorizer/rbac and pkg/registry/rbac/validation's rule resolver) over
// the objects in the store: ClusterRoleBindings grant their ClusterRole's rules everywhere; RoleBindings grant a
// Role of their namespace, or a ClusterRole, in their namespace only. Members of system:masters are allowed
// everything, as kube-apiserver's privileged-group authorizer does before RBAC is asked.
import { z } from "zod";
import type { JsonObject } from "../../../util/json.ts";
import type { Store } from "../store.ts";
import { policyRuleSchema, ruleAllows, type PolicyRule } from "./policy-rule.ts";
import type { RequestAttributes } from "./request-attributes.ts";
import { PRIVILEGED_GROUP, serviceAccountUsername, type UserInfo } from "./user-info.ts";

export interface Decision {
  allowed: boolean;
  /** kube's reason text: `RBAC: allowed by ...` when allowed, the resolution errors (if any) when not. */
  reason: string;
}

export interface Authorizer {
  authorize(user: UserInfo, attrs: RequestAttributes): Decision;
}

const subjectSchema = z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional() });
type Subject = z.infer<typeof subjectSchema>;
const bindingSchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }),
  roleRef: z.object({ kind: z.string(), name: z.string() }),
  subjects: z.array(subjectSchema).nullish().transform((v) => v ?? []),
});
type Binding = z.infer<typeof bindingSchema>;
const roleSchema = z.object({ rules: z.array(policyRuleSchema).nullish().transform((v) => v ?? []) });

const RBAC = "rbac.authorization.k8s.io";
const KEYS = {
  roles: `roles.${RBAC}`,
  clusterRoles: `clusterroles.${RBAC}`,
  roleBindings: `rolebindings.${RBAC}`,
  clusterRoleBindings: `clusterrolebindings.${RBAC}`,
};

/** Every rule in force for the user and where it comes from (e.g. `ClusterRoleBinding "x" of ClusterRole "y" to User "u"`). */
export type RuleVisitor = (source: string, rule: PolicyRule) => boolean;

const STAR_RULES: PolicyRule[] = [
  { verbs: ["*"], apiGroups: ["*"], resources: ["*"], resourceNames: [], nonResourceURLs: [] },
  { verbs: ["*"], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: ["*"] },
];

function appliesTo(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case "User":
      return subject.name === user.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount": {
      // A RoleBinding's ServiceAccount subject without a namespace means one in the binding's namespace.
      const ns = subject.namespace || namespace;
      return ns !== "" && serviceAccountUsername(ns, subject.name) === user.name;
    }
    default:
      return false;
  }
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === "ServiceAccount") return `${subject.kind} "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}

function parseBindings(objects: JsonObject[]): Binding[] {
  return objects.flatMap((o) => {
    const parsed = bindingSchema.safeParse(o);
    return parsed.success ? [parsed.data] : [];
  });
}

export class RbacAuthorizer implements Authorizer {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  private rulesOf(key: string, namespace: string, name: string): PolicyRule[] | undefined {
    const obj = this.store.get(key, namespace, name);
    if (!obj) return undefined;
    const parsed = roleSchema.safeParse(obj);
    return parsed.success ? parsed.data.rules : [];
  }

  /**
   * Visit the rules that apply to `user` in `namespace` ("" = cluster scope: ClusterRoleBindings only) until the
   * visitor returns false; returns the errors met (a binding to a missing role), as kube's resolver does.
   */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): string[] {
    const errors: string[] = [];
    if (user.groups.includes(PRIVILEGED_GROUP)) {
      for (const rule of STAR_RULES) if (!visit(`group "${PRIVILEGED_GROUP}"`, rule)) return errors;
      return errors;
    }
    for (const binding of parseBindings(this.store.list(KEYS.clusterRoleBindings, undefined))) {
      const subject = binding.subjects.find((s) => appliesTo(user, s, ""));
      if (!subject || binding.roleRef.kind !== "ClusterRole") continue;
      const rules = this.rulesOf(KEYS.clusterRoles, "", binding.roleRef.name);
      if (!rules) {
        errors.push(`clusterrole.${RBAC} "${binding.roleRef.name}" not found`);
        continue;
      }
      const source = `ClusterRoleBinding "${binding.metadata.name}" of ClusterRole "${binding.roleRef.name}" to ${describeSubject(subject, "")}`;
      for (const rule of rules) if (!visit(source, rule)) return errors;
    }
    if (namespace === "") return errors;
    for (const binding of parseBindings(this.store.list(KEYS.roleBindings, namespace))) {
      const subject = binding.subjects.find((s) => appliesTo(user, s, namespace));
      if (!subject) continue;
      const cluster = binding.roleRef.kind === "ClusterRole";
      if (!cluster && binding.roleRef.kind !== "Role") continue;
      const rules = cluster ? this.rulesOf(KEYS.clusterRoles, "", binding.roleRef.name) : this.rulesOf(KEYS.roles, namespace, binding.roleRef.name);
      if (!rules) {
        errors.push(cluster ? `clusterrole.${RBAC} "${binding.roleRef.name}" not found` : `role.${RBAC} "${binding.roleRef.name}" not found`);
        continue;
      }
      const source = `RoleBinding "${binding.metadata.name}/${namespace}" of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${describeSubject(subject, namespace)}`;
      for (const rule of rules) if (!visit(source, rule)) return errors;
    }
    return errors;
  }

  authorize(user: UserInfo, attrs: RequestAttributes): Decision {
    if (user.groups.includes(PRIVILEGED_GROUP)) return { allowed: true, reason: "" };
    let allowedBy: string | undefined;
    const namespace = attrs.kind === "resource" ? attrs.namespace : "";
    const errors = this.visitRulesFor(user, namespace, (source, rule) => {
      if (!ruleAllows(attrs, rule)) return true;
      allowedBy = source;
      return false;
    });
    if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
    return { allowed: false, reason: errors.length === 0 ? "" : `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`}` };
  }

  /** The rules in force for `user` in `namespace` (what a SelfSubjectRulesReview lists). */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors = this.visitRulesFor(user, namespace, (_source, rule) => {
      rules.push(rule);
      return true;
    });
    return { rules, errors };
  }
}
