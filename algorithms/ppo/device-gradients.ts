/**
 * PPO's gradient steps in tfjs on the backend's device (wasm, cpu, webgpu, tfjs-node): autodiff of
 * ./loss.ts over the network of ./network.ts, Adam (rl/optim/adam.ts) on the device. Nothing is read
 * back synchronously: weights and moments stay on the device, per-step statistics are summed there and
 * read once per update, weights leave once per broadcast (webgpu in Node cannot read synchronously).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { requireTf } from '../../rl/backend/backend.js';
import { type NamedWeights, validateNamedWeights } from '../../rl/models/named-weights.js';
import { Parameters } from '../../rl/models/parameters.js';
import { Adam } from '../../rl/optim/adam.js';
import { APPROX_KL, type GradientsState, type PpoGradients, STEP_STATS } from './gradients.js';
import { type PpoLossCoefs, ppoLoss } from './loss.js';
import type { Minibatch } from './minibatch.js';
import type { ActorCriticSpec } from './model.js';
import { evaluateActions } from './network.js';

/** See the module comment. Requires `initBackend()`. */
export class DeviceGradients implements PpoGradients {
  readonly kind = 'device';
  private readonly tf = requireTf();
  private readonly spec: ActorCriticSpec;
  private readonly params: Parameters;
  private readonly byName: ReadonlyMap<string, tfjs.Tensor>;
  private readonly adam: Adam;
  /** Running sums of STEP_STATS since the last takeSums. [S] */
  private sums: tfjs.Tensor1D | undefined;

  constructor(spec: ActorCriticSpec, init: NamedWeights, maxGradNorm: number) {
    const tf = this.tf;
    this.spec = spec;
    this.params = new Parameters(
      'ppo weights',
      init.map((w) => ({ name: w.name, value: tf.tensor(w.data, [...w.shape]) })),
    );
    this.byName = new Map(this.params.names.map((n, i) => [n, this.params.variables[i]!]));
    // CleanRL's PPO uses Adam eps 1e-5 (37 details #3); the rate is set per step from PPO's schedule.
    this.adam = new Adam(this.params.variables, {
      learningRate: 0,
      epsilon: 1e-5,
      maxGradNorm,
      names: this.params.names,
    });
  }

  async step(mb: Minibatch, coefs: PpoLossCoefs, lr: number, readKl: boolean): Promise<number | undefined> {
    const tf = this.tf;
    const n = mb.count;
    const kept: tfjs.Tensor[] = [];
    let out: { sums: tfjs.Tensor1D; row: tfjs.Tensor1D };
    try {
      out = tf.tidy(() => {
        const obs = tf.tensor2d(mb.obs, [n, this.spec.obsSize]);
        const head = this.spec.head;
        const actions =
          head.kind === 'categorical'
            ? tf.tensor1d(mb.actions, 'int32')
            : head.kind === 'multiCategorical'
              ? tf.tensor2d(mb.actions, [n, head.nvec.length], 'int32')
              : tf.tensor2d(mb.actions, [n, head.actionSize]);
        const oldLogProbs = tf.tensor1d(mb.logProbs);
        const advantages = tf.tensor1d(mb.advantages);
        const oldValues = tf.tensor1d(mb.valuePreds);
        const returns = tf.tensor1d(mb.valueTargets);
        const { value, grads } = tf.variableGrads(() => {
          const ev = evaluateActions(tf, this.spec, this.byName, obs, actions);
          const terms = ppoLoss(
            tf,
            {
              newLogProbs: ev.logProbs,
              oldLogProbs,
              advantages,
              newValues: ev.values,
              oldValues,
              returns,
              entropy: ev.entropy,
            },
            coefs,
          );
          // Kept past the tape's scope for the stats row; disposed in `finally`.
          for (const t of [terms.pgLoss, terms.vLoss, terms.entropyLoss, terms.approxKl, terms.clipFrac])
            kept.push(tf.keep(t));
          return terms.loss;
        }, this.params.variables as tfjs.Variable[]);
        const gradNorm = this.adam.applyGradientsOnDevice(
          this.params.variables.map((v) => grads[v.name]),
          lr,
        );
        const row = tf.stack([value, ...kept, gradNorm]) as tfjs.Tensor1D; // [S] in STEP_STATS order
        const sums = this.sums === undefined ? tf.clone(row) : (tf.add(this.sums, row) as tfjs.Tensor1D);
        return { sums, row };
      });
    } finally {
      for (const t of kept) t.dispose();
    }
    this.sums?.dispose();
    this.sums = out.sums;
    if (!readKl) {
      out.row.dispose();
      return undefined;
    }
    const row = await out.row.data();
    out.row.dispose();
    return row[APPROX_KL];
  }

  async takeSums(): Promise<Float64Array> {
    if (this.sums === undefined) return new Float64Array(STEP_STATS.length);
    const data = await this.sums.data();
    this.sums.dispose();
    this.sums = undefined;
    return Float64Array.from(data);
  }

  readWeights(): Promise<NamedWeights> {
    return this.params.read();
  }

  async readState(): Promise<GradientsState> {
    const [weights, adam] = await Promise.all([this.params.read(), this.adam.readState()]);
    const flat = (parts: NamedWeights, name: string) => {
      const data = new Float32Array(parts.reduce((k, p) => k + p.data.length, 0));
      let offset = 0;
      for (const p of parts) {
        data.set(p.data, offset);
        offset += p.data.length;
      }
      return { name, shape: [data.length], data };
    };
    return {
      weights,
      moments: [flat(adam.m, 'm/theta'), flat(adam.v, 'v/theta')],
      stepCount: adam.stepCount,
    };
  }

  setState(state: GradientsState): void {
    const weights = validateNamedWeights(state.weights, 'learner.weights', this.params.specs());
    const total = weights.reduce((k, w) => k + w.data.length, 0);
    const [m, v] = validateNamedWeights(state.moments, 'learner optimizer state', [
      { name: 'm/theta', shape: [total] },
      { name: 'v/theta', shape: [total] },
    ]);
    const split = (flat: Float32Array, prefix: string): NamedWeights => {
      let offset = 0;
      return weights.map((w) => {
        const data = flat.subarray(offset, offset + w.data.length);
        offset += w.data.length;
        return { name: `${prefix}/${w.name}`, shape: w.shape, data };
      });
    };
    this.adam.setState({
      format: 'tsrl-adam/1',
      stepCount: state.stepCount,
      m: split(m!.data, 'm'),
      v: split(v!.data, 'v'),
    });
    this.params.set(weights);
  }

  dispose(): void {
    this.sums?.dispose();
    this.sums = undefined;
    this.params.dispose();
    this.adam.dispose();
  }
}
