/**
 * PPO's learner: GAE over the runners' fragments, then `numEpochs` epochs of `numMinibatches` shuffled
 * minibatches, each one Adam step on the loss of ./loss.ts with global grad-norm clipping
 * (cleanrl/ppo.py's update loop). Where the steps run is a {@link PpoGradients}: plain JS for small
 * MLPs (./js-gradients.ts), tfjs on the backend's device otherwise (./device-gradients.ts). Statistics
 * come back once per update, asynchronously; nothing here reads tensors synchronously.
 */
import { SeededRng } from '../../envs/rng.js';
import type { Fragment, Learner, LearnerState, LearnerStats, UpdateInfo } from '../../rl/algorithm.js';
import { currentBackend } from '../../rl/backend/backend.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';
import { permutation } from '../../rl/sample-batch/sample-batch.js';
import { type PpoTraining, scheduled } from './config.js';
import { DeviceGradients } from './device-gradients.js';
import { type PpoGradients, STEP_STATS } from './gradients.js';
import { JsGradients } from './js-gradients.js';
import { hasJsBackprop } from './js-mlp-backprop.js';
import { normalizeAdvantages, type PpoLossCoefs } from './loss.js';
import { allocMinibatch, gatherRows, trainData } from './minibatch.js';
import { type ActorCriticSpec, initActorCritic } from './model.js';

/**
 * Largest model (weights) whose gradients run in plain JS by default. Measured on PPO's CartPole net
 * (2.5k weights, 256 rows, CPU time per gradient step, 2-core machine): plain JS ~1.2-1.7 ms, tfjs
 * matMuls on wasm (SIMD) ~1.3-1.8 ms, on tfjs cpu ~6 ms; plain JS cost grows with weights x rows.
 */
export const JS_MAX_PARAMS = 50_000;

/** Options of {@link PpoLearner}. */
export interface PpoLearnerOptions {
  readonly spec: ActorCriticSpec;
  readonly training: PpoTraining;
  /** Env steps at which linear schedules reach 0. */
  readonly annealEnvSteps: number;
  /** Seeds the weights and the minibatch shuffles. */
  readonly seed: number;
  /**
   * Where gradient steps run: `js` (./js-gradients.ts) or `device` (./device-gradients.ts).
   * @default 'js' for MLPs (no conv torso) of at most {@link JS_MAX_PARAMS} weights whose activation has a plain-JS
   * derivative, when the backend is not on a GPU; else 'device'
   */
  readonly gradients?: 'js' | 'device';
}

/** The PPO learner (see the module comment). Requires `initBackend()` first. */
export class PpoLearner implements Learner {
  private readonly spec: ActorCriticSpec;
  private readonly t: PpoTraining;
  private readonly annealEnvSteps: number;
  private readonly rng: SeededRng;
  private readonly grads: PpoGradients;
  private gradSteps = 0;

  constructor(options: PpoLearnerOptions) {
    this.spec = options.spec;
    this.t = options.training;
    this.annealEnvSteps = options.annealEnvSteps;
    this.rng = SeededRng.fromSeed(options.seed + 1);
    const init = initActorCritic(this.spec, options.seed);
    const numParams = init.reduce((n, w) => n + w.data.length, 0);
    const jsFits =
      this.spec.conv === undefined &&
      hasJsBackprop(this.spec.activation) &&
      numParams <= JS_MAX_PARAMS &&
      currentBackend()?.usingGpu !== true;
    const kind = options.gradients ?? (jsFits ? 'js' : 'device');
    this.grads =
      kind === 'js'
        ? new JsGradients(this.spec, init, this.t.maxGradNorm)
        : new DeviceGradients(this.spec, init, this.t.maxGradNorm);
  }

  /** Where the gradient steps run. */
  get gradients(): 'js' | 'device' {
    return this.grads.kind;
  }

  async update(fragments: readonly Fragment[], info: UpdateInfo): Promise<LearnerStats> {
    const data = trainData(fragments, this.spec, this.t.gamma, this.t.gaeLambda);
    const numMb = this.t.numMinibatches;
    const mbSize = Math.floor(data.count / numMb);
    // Schedules are evaluated once per update (CleanRL: once per iteration).
    const lr = scheduled(this.t.lrSchedule, this.t.lr, info.envSteps, this.annealEnvSteps);
    const clipCoef = scheduled(this.t.clipSchedule, this.t.clipCoef, info.envSteps, this.annealEnvSteps);
    const coefs: PpoLossCoefs = {
      clipCoef,
      vfCoef: this.t.vfCoef,
      entCoef: this.t.entCoef,
      clipVLoss: this.t.clipVLoss,
      vfClipCoef: this.t.vfClipCoef,
    };
    const mb = allocMinibatch(mbSize, this.spec);
    const targetKl = this.t.targetKl;
    let steps = 0;
    let stoppedEarly = 0;
    epochs: for (let epoch = 0; epoch < this.t.numEpochs; epoch++) {
      const perm = permutation(data.count, this.rng);
      for (let k = 0; k < numMb; k++) {
        gatherRows(data, perm.subarray(k * mbSize, (k + 1) * mbSize), mb, this.spec);
        if (this.t.normAdvantages) normalizeAdvantages(mb.advantages);
        const kl = await this.grads.step(mb, coefs, lr, targetKl !== undefined);
        steps++;
        if (targetKl !== undefined && kl !== undefined && kl > targetKl) {
          stoppedEarly = 1;
          break epochs;
        }
      }
    }
    this.gradSteps += steps;
    const sums = await this.grads.takeSums();
    const mean = (name: (typeof STEP_STATS)[number]) =>
      steps > 0 ? sums[STEP_STATS.indexOf(name)]! / steps : 0;
    return {
      totalLoss: mean('loss'),
      policyLoss: mean('pgLoss'),
      vfLoss: mean('vLoss'),
      entropy: mean('entropy'),
      approxKl: mean('approxKl'),
      clipFrac: mean('clipFrac'),
      gradNorm: mean('gradNorm'),
      explainedVariance: explainedVariance(data.valuePreds, data.valueTargets),
      lr,
      clipCoef,
      gradSteps: steps,
      gradStepsPlanned: this.t.numEpochs * numMb,
      stoppedEarly,
    };
  }

  getWeights(): Promise<NamedWeights> {
    return this.grads.readWeights();
  }

  async getState(): Promise<LearnerState> {
    const s = await this.grads.readState();
    return {
      weights: s.weights,
      optimizer: s.moments,
      extra: { adamStepCount: s.stepCount, gradSteps: this.gradSteps, rng: this.rng.getState() },
    };
  }

  setState(state: LearnerState): void {
    this.grads.setState({
      weights: state.weights,
      moments: state.optimizer,
      stepCount: state.extra['adamStepCount'] as number,
    });
    this.gradSteps = Number(state.extra['gradSteps'] ?? 0);
    this.rng.setState(state.extra['rng']);
  }

  dispose(): void {
    this.grads.dispose();
  }
}

/** 1 - Var(targets - values) / Var(targets): 1 is a perfect value function, <= 0 no better than a constant. */
export function explainedVariance(values: Float32Array, targets: Float32Array): number {
  const n = values.length;
  if (n === 0) return 0;
  let mt = 0;
  let md = 0;
  for (let i = 0; i < n; i++) {
    mt += targets[i]!;
    md += targets[i]! - values[i]!;
  }
  mt /= n;
  md /= n;
  let vt = 0;
  let vd = 0;
  for (let i = 0; i < n; i++) {
    vt += (targets[i]! - mt) ** 2;
    vd += (targets[i]! - values[i]! - md) ** 2;
  }
  return vt === 0 ? 0 : 1 - vd / vt;
}
