/**
 * PPO's runner-side policy: plain-JS forward of the actor and critic over the runner's N envs,
 * sampling from a Categorical (Discrete) or diagonal Gaussian (Box) and recording log pi(a|s) and
 * V(s) for the loss (`logProbs`, `valuePreds`).
 */
import type { SeededRng } from '../../envs/rng.js';
import type { InferencePolicy, PolicyOutput } from '../../rl/algorithm.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import { type ActorCriticSpec, JsMlp, LOG_STD, layersOf } from './model.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** The PPO policy for env runners (see the module comment). */
export class PpoPolicy implements InferencePolicy {
  readonly extraColumns = [Columns.LOG_PROBS, Columns.VALUE_PREDS] as const;
  private readonly actor: JsMlp;
  private readonly critic: JsMlp;
  private logStd: Float32Array = new Float32Array(0);

  constructor(private readonly spec: ActorCriticSpec) {
    const { actor, critic } = layersOf(spec);
    this.actor = new JsMlp(actor, spec.activation);
    this.critic = new JsMlp(critic, spec.activation);
  }

  setWeights(weights: NamedWeights): void {
    const byName = new Map(weights.map((w) => [w.name, w.data]));
    this.actor.setWeights(byName);
    this.critic.setWeights(byName);
    if (this.spec.head.kind === 'gaussian') this.logStd = byName.get(LOG_STD)!;
  }

  act(obs: Float32Array, numRows: number, explore: boolean, rng: SeededRng, out: PolicyOutput): void {
    const head = this.actor.forward(obs, numRows); // [N, A] logits or means
    const logProbs = out.extras[Columns.LOG_PROBS]!;
    const values = out.extras[Columns.VALUE_PREDS]!;
    const v = this.critic.forward(obs, numRows); // [N, 1]
    values.set(v.subarray(0, numRows));
    if (this.spec.head.kind === 'categorical') {
      const A = this.spec.head.numActions;
      for (let r = 0; r < numRows; r++) {
        const o = r * A;
        let max = -Infinity;
        let argmax = 0;
        for (let a = 0; a < A; a++) {
          if (head[o + a]! > max) {
            max = head[o + a]!;
            argmax = a;
          }
        }
        let z = 0;
        for (let a = 0; a < A; a++) z += Math.exp(head[o + a]! - max);
        const logZ = max + Math.log(z);
        let action = argmax;
        if (explore) {
          // Inverse-CDF sampling of softmax(logits).
          let u = rng.next() * z;
          action = A - 1;
          for (let a = 0; a < A; a++) {
            u -= Math.exp(head[o + a]! - max);
            if (u < 0) {
              action = a;
              break;
            }
          }
        }
        out.actions[r] = action;
        logProbs[r] = head[o + action]! - logZ;
      }
    } else {
      const k = this.spec.head.actionSize;
      for (let r = 0; r < numRows; r++) {
        let lp = 0;
        for (let j = 0; j < k; j++) {
          const mean = head[r * k + j]!;
          const logStd = this.logStd[j]!;
          const eps = explore ? rng.normal() : 0;
          out.actions[r * k + j] = mean + Math.exp(logStd) * eps;
          // log N(a; mean, std) = -0.5 eps^2 - log std - 0.5 log(2 pi), with eps = (a - mean) / std.
          lp += -0.5 * eps * eps - logStd - HALF_LOG_2PI;
        }
        logProbs[r] = lp;
      }
    }
  }

  values(obs: Float32Array, numRows: number, out: Float32Array): void {
    out.set(this.critic.forward(obs, numRows).subarray(0, numRows));
  }
}
