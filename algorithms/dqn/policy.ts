/**
 * DQN's runner-side policy: a plain-JS forward pass of the Q-network over the runner's N envs, then
 * epsilon-greedy (Mnih et al. 2015): with probability epsilon a uniform action, else argmax_a Q(s, a).
 * Epsilon arrives as runner control (`setControl`, sent by the iteration from the lifetime env steps,
 * so every runner and a resumed run agree; APEX-DQN gives each runner its own); `explore` false is
 * greedy (evaluation), and so is a policy that never got a control (`rl evaluate`).
 */
import type { SeededRng } from '../../envs/rng.js';
import type { InferencePolicy, PolicyOutput, RunnerControl } from '../../rl/algorithm.js';
import { JsMlp } from '../../rl/models/js-mlp.js';
import type { MlpSpec } from '../../rl/models/mlp.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';
import { Q_NET, weightsUnder } from './model.js';

/** The DQN policy for env runners (see the module comment). */
export class DqnPolicy implements InferencePolicy {
  readonly extraColumns: readonly string[] = [];
  private mlp: JsMlp | undefined;
  /** Current exploration epsilon. */
  epsilon = 0;

  /**
   * @param spec the Q-network's spec ({@link qNetSpec})
   * @param numActions A
   * @param dueling whether the head is [V, A(s, .)]
   */
  constructor(
    private readonly spec: MlpSpec,
    private readonly numActions: number,
    private readonly dueling: boolean,
  ) {}

  /** @throws TypeError when the `q/` weights do not fit the spec. */
  setWeights(weights: NamedWeights): void {
    const layers = JsMlp.layersFromWeights(this.spec, weightsUnder(weights, Q_NET), Q_NET);
    if (this.mlp === undefined) this.mlp = new JsMlp(layers, this.spec.activation);
    else this.mlp.setLayers(layers);
  }

  /** Takes epsilon from the driver's control (validated on arrival). */
  setControl(control: RunnerControl): void {
    if (control.epsilon !== undefined) this.epsilon = control.epsilon;
  }

  act(obs: Float32Array, numRows: number, explore: boolean, rng: SeededRng, out: PolicyOutput): void {
    if (this.mlp === undefined) throw new Error('DqnPolicy.act: call setWeights() first.');
    const A = this.numActions;
    const width = this.spec.outputSize;
    const offset = this.dueling ? 1 : 0;
    // With dueling, Q = V + A - mean(A): the argmax over Q is the argmax over A, so V is not needed.
    const head = this.mlp.forward(obs, numRows); // [N, A] or [N, 1 + A]
    for (let r = 0; r < numRows; r++) {
      if (explore && rng.next() < this.epsilon) {
        out.actions[r] = rng.nextInt(A);
        continue;
      }
      const o = r * width + offset;
      let best = 0;
      let max = head[o]!;
      for (let a = 1; a < A; a++) {
        if (head[o + a]! > max) {
          max = head[o + a]!;
          best = a;
        }
      }
      out.actions[r] = best;
    }
  }

  /** Q(s, .) for `numRows` observations [numRows, A] (copies; for tests and diagnostics). */
  qValues(obs: Float32Array, numRows: number): Float32Array {
    if (this.mlp === undefined) throw new Error('DqnPolicy.qValues: call setWeights() first.');
    const A = this.numActions;
    const head = this.mlp.forward(obs, numRows);
    const q = new Float32Array(numRows * A);
    for (let r = 0; r < numRows; r++) {
      if (!this.dueling) {
        q.set(head.subarray(r * A, (r + 1) * A), r * A);
        continue;
      }
      const o = r * (A + 1);
      let mean = 0;
      for (let a = 0; a < A; a++) mean += head[o + 1 + a]!;
      mean /= A;
      for (let a = 0; a < A; a++) q[r * A + a] = head[o]! + head[o + 1 + a]! - mean;
    }
    return q;
  }
}
