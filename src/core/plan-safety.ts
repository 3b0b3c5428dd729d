/**
 * The last thing decide() does: play its plan forward on what it observed and keep only the safe prefix.
 * The step machines order their actions to be safe, but they reason about the observed state, and an action
 * earlier in the same plan can change it (a Route that sends traffic back to a Service whose pods a later
 * action removes). Any action that would break invariant (a), (b) or (c) in that predicted state is deferred,
 * with every traffic-changing action after it: the next reconcile, which sees the effect of the rest read
 * back, asks again. Deferring is always safe, since nothing in status claims an action has happened.
 */
import type { Rollout } from "../api/rollout.ts";
import { introducedBy } from "./invariants.ts";
import type { Observed } from "./observed.ts";
import type { Action } from "./plan.ts";

/** The state an action leaves, as far as decide can predict it: no new pod is available yet. */
export function predict(state: Observed, action: Action): Observed {
  switch (action.kind) {
    case "CreateReplicaSet":
      if (state.replicaSets.some((rs) => rs.podHash === action.podHash)) return state;
      return { ...state, replicaSets: [...state.replicaSets, { name: action.podHash, podHash: action.podHash, revision: action.revision, replicas: action.replicas, readyReplicas: 0, availableReplicas: 0 }] };
    case "ScaleReplicaSet":
      return {
        ...state,
        replicaSets: state.replicaSets.map((rs) => (rs.name === action.name ? { ...rs, replicas: action.replicas, availableReplicas: Math.min(rs.availableReplicas, action.replicas), readyReplicas: Math.min(rs.readyReplicas, action.replicas) } : rs)),
      };
    case "DeleteReplicaSet":
      return { ...state, replicaSets: state.replicaSets.filter((rs) => rs.name !== action.name) };
    case "PinService":
      return { ...state, services: { ...state.services, [action.service]: { name: action.service, podHash: action.podHash } } };
    case "ScaleWorkload":
      return state.workload ? { ...state, workload: { ...state.workload, replicas: action.replicas, availableReplicas: Math.min(state.workload.availableReplicas, action.replicas) } } : state;
    case "Route":
      return {
        ...state,
        routing: {
          ok: true,
          canaryWeight: action.want.canaryWeight,
          managedRoutes: [...action.want.headerRoutes, ...action.want.mirrorRoutes].map((r) => r.name),
          ...(action.subsets ? { subsets: action.subsets } : {}),
        },
      };
    default:
      return state;
  }
}

const changesTraffic = (a: Action): boolean => a.kind === "Route" || a.kind === "PinService" || a.kind === "ScaleReplicaSet" || a.kind === "DeleteReplicaSet" || a.kind === "ScaleWorkload";

export type SafePlan = { actions: Action[]; deferred: Action[] };

export function safePrefix(rollout: Rollout, observed: Observed, actions: readonly Action[]): SafePlan {
  const kept: Action[] = [];
  const deferred: Action[] = [];
  let state = observed;
  for (const action of actions) {
    if (deferred.length > 0 && changesTraffic(action)) {
      deferred.push(action);
      continue;
    }
    const next = predict(state, action);
    if (changesTraffic(action) && introducedBy(rollout, state, next, action).length > 0) {
      deferred.push(action);
      continue;
    }
    kept.push(action);
    state = next;
  }
  return { actions: kept, deferred };
}
