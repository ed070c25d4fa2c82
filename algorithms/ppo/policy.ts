/**
 * PPO's runner-side policy: plain-JS forward of the actor and critic over the runner's N envs,
 * sampling from a Categorical (Discrete), a MultiCategorical (MultiDiscrete, MultiBinary) or a diagonal
 * Gaussian (Box) and recording log pi(a|s) and
 * V(s) for the loss (`logProbs`, `valuePreds`).
 */
import type { SeededRng } from '../../envs/rng.js';
import type { InferencePolicy, PolicyOutput } from '../../rl/algorithm.js';
import { Categorical, DiagGaussian, MultiCategorical } from '../../rl/distributions/index.js';
import { type DenseWeights, JsMlp } from '../../rl/models/js-mlp.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import { JsTorso } from './js-torso.js';
import { type ActorCriticSpec, type Dense, LOG_STD, layersOf } from './model.js';

/** The PPO policy for env runners (see the module comment). */
export class PpoPolicy implements InferencePolicy {
  readonly extraColumns = [Columns.LOG_PROBS, Columns.VALUE_PREDS] as const;
  private readonly layers: { readonly actor: Dense[]; readonly critic: Dense[] };
  /** The actor and critic stacks, built at the first weights (rl/models' plain-JS MLP). */
  private actor: JsMlp | undefined;
  private critic: JsMlp | undefined;
  /** The shared conv torso (conv specs only); the heads then read its features. */
  private readonly torso: JsTorso | undefined;
  private logStd: Float32Array = new Float32Array(0);

  constructor(private readonly spec: ActorCriticSpec) {
    this.layers = layersOf(spec);
    this.torso = spec.conv !== undefined ? new JsTorso(spec) : undefined;
  }

  setWeights(weights: NamedWeights): void {
    const byName = new Map(weights.map((w) => [w.name, w.data]));
    const pick = (stack: readonly Dense[]): DenseWeights[] =>
      stack.map((l) => ({
        kernel: byName.get(l.kernel)!,
        bias: byName.get(l.bias)!,
        fanIn: l.fanIn,
        fanOut: l.fanOut,
      }));
    const actor = pick(this.layers.actor);
    const critic = pick(this.layers.critic);
    if (this.actor === undefined || this.critic === undefined) {
      this.actor = new JsMlp(actor, this.spec.activation);
      this.critic = new JsMlp(critic, this.spec.activation);
    } else {
      this.actor.setLayers(actor);
      this.critic.setLayers(critic);
    }
    this.torso?.setWeights(byName);
    if (this.spec.head.kind === 'gaussian') this.logStd = byName.get(LOG_STD)!;
  }

  act(obs: Float32Array, numRows: number, explore: boolean, rng: SeededRng, out: PolicyOutput): void {
    if (this.actor === undefined || this.critic === undefined) {
      throw new Error('PpoPolicy.act: call setWeights() first.');
    }
    const x = this.torso?.forward(obs, numRows) ?? obs;
    const head = this.actor.forward(x, numRows); // [N, A] logits or means
    const logProbs = out.extras[Columns.LOG_PROBS]!;
    out.extras[Columns.VALUE_PREDS]!.set(this.critic.forward(x, numRows).subarray(0, numRows));
    // The samplers and their log-probs are rl/distributions' (the plain-JS half of that math).
    if (this.spec.head.kind === 'categorical') {
      const A = this.spec.head.numActions;
      Categorical.sampleInto(
        head.subarray(0, numRows * A),
        numRows,
        A,
        rng,
        out.actions as Int32Array,
        logProbs,
        !explore,
      );
    } else if (this.spec.head.kind === 'multiCategorical') {
      const { nvec } = this.spec.head;
      const width = nvec.reduce((a, b) => a + b, 0);
      MultiCategorical.sampleInto(
        head.subarray(0, numRows * width),
        numRows,
        nvec,
        rng,
        out.actions as Int32Array,
        logProbs,
        !explore,
      );
    } else {
      const k = this.spec.head.actionSize;
      DiagGaussian.sampleInto(
        head.subarray(0, numRows * k),
        this.logStd,
        numRows,
        k,
        rng,
        out.actions as Float32Array,
        logProbs,
        !explore,
      );
    }
  }

  values(obs: Float32Array, numRows: number, out: Float32Array): void {
    if (this.critic === undefined) throw new Error('PpoPolicy.values: call setWeights() first.');
    const x = this.torso?.forward(obs, numRows) ?? obs;
    out.set(this.critic.forward(x, numRows).subarray(0, numRows));
  }
}
