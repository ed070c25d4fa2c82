/**
 * SAC's runner-side policy: a plain-JS forward pass of the actor over the runner's N envs, then a
 * sample of the tanh-squashed Gaussian rescaled to the Box bounds (rl/distributions/squashed-gaussian.ts);
 * deterministic (evaluation) is tanh(mean), rescaled. With runner control `epsilon` (1 until the first
 * gradient step, as CleanRL and SB3 before `learning_starts`) a row's action is uniform in the bounds.
 */
import type { SeededRng } from '../../envs/rng.js';
import type { InferencePolicy, PolicyOutput, RunnerControl } from '../../rl/algorithm.js';
import { SquashedGaussian } from '../../rl/distributions/squashed-gaussian.js';
import { JsMlp } from '../../rl/models/js-mlp.js';
import type { MlpSpec } from '../../rl/models/mlp.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';
import { ACTOR, type SacActionSpec, squashLogStd } from './model.js';

/** The SAC policy for env runners (see the module comment). */
export class SacPolicy implements InferencePolicy {
  readonly extraColumns: readonly string[] = [];
  private mlp: JsMlp | undefined;
  /** Probability of a uniform action per row (runner control); 0 until told otherwise. */
  private epsilon = 0;
  private mean = new Float32Array(0);
  private logStd = new Float32Array(0);

  constructor(
    private readonly spec: MlpSpec,
    private readonly action: SacActionSpec,
  ) {}

  /** @throws TypeError when the `pi/` weights do not fit the spec. */
  setWeights(weights: NamedWeights): void {
    const layers = JsMlp.layersFromWeights(
      this.spec,
      weights.filter((w) => w.name.startsWith(`${ACTOR}/`)),
      ACTOR,
    );
    if (this.mlp === undefined) this.mlp = new JsMlp(layers, this.spec.activation);
    else this.mlp.setLayers(layers);
  }

  /** Takes epsilon from the driver's control (validated on arrival). */
  setControl(control: RunnerControl): void {
    if (control.epsilon !== undefined) this.epsilon = control.epsilon;
  }

  act(obs: Float32Array, numRows: number, explore: boolean, rng: SeededRng, out: PolicyOutput): void {
    if (this.mlp === undefined) throw new Error('SacPolicy.act: call setWeights() first.');
    const A = this.action.actionSize;
    const { low, high } = this.action.bounds;
    const actions = out.actions as Float32Array;
    const uniformRow = (r: number) => {
      for (let d = 0; d < A; d++) actions[r * A + d] = low[d]! + rng.next() * (high[d]! - low[d]!);
    };
    if (explore && this.epsilon >= 1) {
      for (let r = 0; r < numRows; r++) uniformRow(r);
      return;
    }
    const head = this.mlp.forward(obs, numRows); // [N, 2A]: mean, raw log std
    if (this.mean.length !== numRows * A) {
      this.mean = new Float32Array(numRows * A);
      this.logStd = new Float32Array(numRows * A);
    }
    for (let r = 0; r < numRows; r++) {
      for (let d = 0; d < A; d++) {
        this.mean[r * A + d] = head[r * 2 * A + d]!;
        this.logStd[r * A + d] = squashLogStd(head[r * 2 * A + A + d]!);
      }
    }
    SquashedGaussian.sampleInto(
      this.mean,
      this.logStd,
      numRows,
      A,
      rng,
      actions,
      undefined,
      !explore,
      this.action.bounds,
    );
    if (explore && this.epsilon > 0) {
      for (let r = 0; r < numRows; r++) if (rng.next() < this.epsilon) uniformRow(r);
    }
  }
}
