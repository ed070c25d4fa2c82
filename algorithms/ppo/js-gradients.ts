/**
 * PPO's gradient steps in plain JS for small MLPs: forward and backprop through
 * the dense stacks (./js-mlp-backprop.ts), the loss gradient at the outputs in closed form
 * (./loss-grad.ts, checked against autodiff of ./loss.ts). For PPO's CartPole net (2.5k weights,
 * 256 rows) a step is ~1.2-1.7 ms of CPU, where tfjs spends more on per-kernel overhead (~3-5 us x
 * ~150 kernels) than on arithmetic. The update is Adam's one update rule (rl/optim/adam-update.ts) run
 * in plain JS over all weights as one flat array (rl/optim/host-adam.ts): no kernels, no reads; on the
 * device it cost ~160 us a step, most of the gap to f2a291a's PPO (docs/measurements.md).
 */
import { type NamedWeights, validateNamedWeights } from '../../rl/models/named-weights.js';
import { HostAdam } from '../../rl/optim/host-adam.js';
import type { GradientsState, PpoGradients } from './gradients.js';
import { STEP_STATS } from './gradients.js';
import { type FlatDense, JsStackBackprop } from './js-mlp-backprop.js';
import type { PpoLossCoefs } from './loss.js';
import { ppoHeadGrads } from './loss-grad.js';
import type { Minibatch } from './minibatch.js';
import { type ActorCriticSpec, LOG_STD, layersOf } from './model.js';

interface LayoutEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** See the module comment. */
export class JsGradients implements PpoGradients {
  readonly kind = 'js';
  private readonly spec: ActorCriticSpec;
  private readonly layout: readonly LayoutEntry[];
  /** All weights, flat, in layout order: what the backprop reads and Adam updates. [P] */
  private readonly theta: Float32Array;
  private readonly grad: Float32Array;
  private readonly adam: HostAdam;
  private readonly actor: JsStackBackprop;
  private readonly critic: JsStackBackprop;
  private readonly logStd: LayoutEntry | undefined;
  private readonly sums = new Float64Array(STEP_STATS.length);

  /** @throws TypeError when the spec has a conv torso or the activation has no plain-JS derivative. */
  constructor(spec: ActorCriticSpec, init: NamedWeights, maxGradNorm: number) {
    if (spec.conv !== undefined) {
      throw new TypeError("PPO gradients 'js' cover MLPs only; a conv torso runs with gradients 'device'.");
    }
    this.spec = spec;
    let offset = 0;
    this.layout = init.map((w) => {
      const entry = { name: w.name, shape: w.shape, offset, size: w.data.length };
      offset += w.data.length;
      return entry;
    });
    this.theta = new Float32Array(offset);
    this.setWeights(init);
    this.grad = new Float32Array(offset);
    // CleanRL's PPO uses Adam eps 1e-5 (37 details #3); the rate is set per step from PPO's schedule.
    // Named `theta`: the moments checkpoint as `m/theta`, `v/theta`, as DeviceGradients' do.
    this.adam = new HostAdam(offset, { epsilon: 1e-5, maxGradNorm, name: 'theta' });
    const at = (stack: ReturnType<typeof layersOf>['actor']): FlatDense[] =>
      stack.map((l) => ({
        fanIn: l.fanIn,
        fanOut: l.fanOut,
        kernelOffset: this.entry(l.kernel).offset,
        biasOffset: this.entry(l.bias).offset,
      }));
    const { actor, critic } = layersOf(spec);
    this.actor = new JsStackBackprop(at(actor), spec.activation);
    this.critic = new JsStackBackprop(at(critic), spec.activation);
    this.logStd = this.layout.find((l) => l.name === LOG_STD);
  }

  async step(mb: Minibatch, coefs: PpoLossCoefs, lr: number, readKl: boolean): Promise<number | undefined> {
    const stats = this.shardGradient(mb, coefs);
    const gradNorm = this.adam.apply(this.theta, this.grad, lr);
    [...stats, gradNorm].forEach((x, i) => {
      this.sums[i]! += x;
    });
    return readKl ? stats[STEP_STATS.indexOf('approxKl')] : undefined;
  }

  /**
   * Data parallelism, first half: the gradient of the mean loss over `mb` into {@link gradient},
   * nothing applied. Returns the step's statistics (STEP_STATS without gradNorm).
   */
  shardGradient(mb: Minibatch, coefs: PpoLossCoefs): number[] {
    const n = mb.count;
    const head = this.actor.forward(this.theta, mb.obs, n);
    const values = this.critic.forward(this.theta, mb.obs, n);
    const ls = this.logStd;
    const g = ppoHeadGrads(
      this.spec.head,
      {
        head,
        ...(ls !== undefined ? { logStd: this.theta.subarray(ls.offset, ls.offset + ls.size) } : {}),
        actions: mb.actions,
        oldLogProbs: mb.logProbs,
        advantages: mb.advantages,
        values,
        oldValues: mb.valuePreds,
        returns: mb.valueTargets,
      },
      coefs,
    );
    this.actor.backward(g.dHead, n, this.grad);
    this.critic.backward(g.dValues, n, this.grad);
    if (g.dLogStd !== undefined && ls !== undefined) this.grad.set(g.dLogStd, ls.offset);
    return [g.loss, g.pgLoss, g.vLoss, g.entropy, g.approxKl, g.clipFrac];
  }

  /** The gradient {@link shardGradient} computed last, all weights flat in layout order. [P] */
  get gradient(): Float32Array {
    return this.grad;
  }

  /**
   * Data parallelism, second half: one Adam step (clipping inside) with `grad` [P]; returns the
   * pre-clip global norm.
   */
  async applyGradient(grad: Float32Array, lr: number): Promise<number> {
    return this.adam.apply(this.theta, grad, lr);
  }

  async takeSums(): Promise<Float64Array> {
    const out = this.sums.slice();
    this.sums.fill(0);
    return out;
  }

  async readWeights(): Promise<NamedWeights> {
    return this.layout.map((l) => ({
      name: l.name,
      shape: [...l.shape],
      data: this.theta.slice(l.offset, l.offset + l.size),
    }));
  }

  async readState(): Promise<GradientsState> {
    const adam = this.adam.readState();
    return { weights: await this.readWeights(), moments: [...adam.m, ...adam.v], stepCount: adam.stepCount };
  }

  setState(state: GradientsState): void {
    const weights = validateNamedWeights(state.weights, 'learner.weights', this.layout);
    const P = this.theta.length;
    const [m, v] = validateNamedWeights(state.moments, 'learner optimizer state', [
      { name: 'm/theta', shape: [P] },
      { name: 'v/theta', shape: [P] },
    ]);
    this.adam.setState({ format: 'tsrl-adam/1', stepCount: state.stepCount, m: [m!], v: [v!] });
    this.setWeights(weights);
  }

  dispose(): void {}

  private setWeights(weights: NamedWeights): void {
    weights.forEach((w, i) => {
      this.theta.set(w.data, this.layout[i]!.offset);
    });
  }

  private entry(name: string): LayoutEntry {
    return this.layout.find((e) => e.name === name)!;
  }
}
