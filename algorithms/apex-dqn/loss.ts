/**
 * APEX-DQN's math. The learner's loss is DQN's (algorithms/dqn/loss.ts: double-Q n-step targets,
 * importance-weighted Huber); what is APEX's own is the actors' initial priorities (Horgan et al. 2018,
 * sec. 3, Algorithm 1 line 10: "compute priorities ... using the actor's copy of the network"): each
 * runner computes the n-step TD error of its transitions from its own Q-values, so new data enters
 * replay at an informed priority instead of the maximum seen.
 */
export { dqnLoss, dqnTarget, duelingQ, huber } from '../dqn/loss.js';

/** Inputs of {@link initialPriorities}; B rows, A actions. */
export interface InitialPriorityInputs {
  /** [B, A] Q(s, .) of the runner's network. */
  readonly q: Float32Array;
  /** [B, A] Q(s', .) of the runner's network (s' = the n-step next observation). */
  readonly nextQ: Float32Array;
  /** [B] the actions taken. */
  readonly actions: Int32Array;
  /** [B] n-step discounted reward sums R^(n). */
  readonly rewards: Float32Array;
  /** [B] gamma^m of each window (m <= n steps). */
  readonly discounts: Float32Array;
  /** [B] 1 where the window reached a terminal state (no bootstrap). */
  readonly terminated: Uint8Array;
  readonly numActions: number;
}

/**
 * p_i = |R^(n) + gamma^m (1 - terminated) Q(s', argmax_a Q(s', a)) - Q(s, a)| + eps, with the runner's
 * one network for both terms (an actor has no target network; Horgan et al. 2018, sec. 3).
 * @returns [B] float32 priorities, all > 0.
 */
export function initialPriorities(x: InitialPriorityInputs, eps: number): Float32Array {
  const B = x.actions.length;
  const A = x.numActions;
  const out = new Float32Array(B);
  for (let r = 0; r < B; r++) {
    let next = x.nextQ[r * A]!;
    for (let a = 1; a < A; a++) next = Math.max(next, x.nextQ[r * A + a]!);
    const bootstrap = x.terminated[r] ? 0 : x.discounts[r]! * next;
    const td = x.rewards[r]! + bootstrap - x.q[r * A + x.actions[r]!]!;
    out[r] = Math.abs(td) + eps;
  }
  return out;
}
