/**
 * PPO's learner: GAE over the runners' fragments, then `numEpochs` epochs of `numMinibatches` shuffled
 * minibatches, each one Adam step on the loss of ./loss.ts with global grad-norm clipping
 * (cleanrl/ppo.py's update loop). Where the steps run is a {@link PpoGradients}: plain JS for small
 * MLPs (./js-gradients.ts), tfjs on the backend's device otherwise (./device-gradients.ts). Statistics
 * come back once per update, asynchronously; nothing here reads tensors synchronously.
 */
import { SeededRng } from '../../envs/rng.js';
import type {
  Fragment,
  GradientResult,
  GradientShard,
  Learner,
  LearnerState,
  LearnerStats,
  UpdateInfo,
} from '../../rl/algorithm.js';
import { currentBackend } from '../../rl/backend/backend.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';
import { averageGradients } from '../../rl/optim/adam.js';
import { permutation } from '../../rl/sample-batch/sample-batch.js';
import { type PpoTraining, scheduled } from './config.js';
import { DeviceGradients } from './device-gradients.js';
import { type PpoGradients, STEP_STATS } from './gradients.js';
import { JsGradients } from './js-gradients.js';
import { hasJsBackprop } from './js-mlp-backprop.js';
import { normalizeAdvantages, type PpoLossCoefs } from './loss.js';
import { allocMinibatch, gatherRows, type Minibatch, sliceRows, trainData } from './minibatch.js';
import { type ActorCriticSpec, initActorCritic } from './model.js';

/**
 * Largest model (weights) whose gradients run in plain JS by default. Measured on PPO's CartPole net
 * (2.5k weights, 256 rows, CPU time per gradient step, 2-core machine): plain JS ~1.2-1.7 ms, tfjs
 * matMuls on wasm (SIMD) ~1.3-1.8 ms, on tfjs cpu ~6 ms; plain JS cost grows with weights x rows.
 */
export const JS_MAX_PARAMS = 50_000;

/** Name of PPO's one flat gradient (all weights in layout order) in data-parallel results. */
const FLAT_GRADIENT = 'theta';

/** One update's train batch and schedules. */
interface PreparedUpdate {
  readonly data: Minibatch;
  readonly numMb: number;
  /** Rows per minibatch. */
  readonly mbSize: number;
  readonly lr: number;
  readonly coefs: PpoLossCoefs;
}

/** A data-parallel update in progress (Learner.beginUpdate .. endUpdate). */
interface UpdatePlan extends PreparedUpdate {
  readonly mb: Minibatch;
  /** This epoch's shuffle of the train batch's rows. */
  perm: Uint32Array;
  /** Minibatch steps handed out so far. */
  next: number;
  steps: number;
  stoppedEarly: number;
  /** Sums of STEP_STATS over the applied steps. */
  readonly sums: Float64Array;
}

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
  private plan: UpdatePlan | undefined;

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
    const p = this.prepare(fragments, info);
    const mb = allocMinibatch(p.mbSize, this.spec);
    const targetKl = this.t.targetKl;
    let steps = 0;
    let stoppedEarly = 0;
    epochs: for (let epoch = 0; epoch < this.t.numEpochs; epoch++) {
      const perm = permutation(p.data.count, this.rng);
      for (let k = 0; k < p.numMb; k++) {
        gatherRows(p.data, perm.subarray(k * p.mbSize, (k + 1) * p.mbSize), mb, this.spec);
        if (this.t.normAdvantages) normalizeAdvantages(mb.advantages);
        const kl = await this.grads.step(mb, p.coefs, p.lr, targetKl !== undefined);
        steps++;
        if (targetKl !== undefined && kl !== undefined && kl > targetKl) {
          stoppedEarly = 1;
          break epochs;
        }
      }
    }
    return this.updateStats(p, steps, stoppedEarly, await this.grads.takeSums());
  }

  /** The train batch (GAE) and this update's schedules. */
  private prepare(fragments: readonly Fragment[], info: UpdateInfo): PreparedUpdate {
    const data = trainData(fragments, this.spec, this.t.gamma, this.t.gaeLambda);
    const numMb = this.t.numMinibatches;
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
    return { data, numMb, mbSize: Math.floor(data.count / numMb), lr, coefs };
  }

  private updateStats(
    p: PreparedUpdate,
    steps: number,
    stoppedEarly: number,
    sums: Float64Array,
  ): LearnerStats {
    this.gradSteps += steps;
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
      explainedVariance: explainedVariance(p.data.valuePreds, p.data.valueTargets),
      lr: p.lr,
      clipCoef: p.coefs.clipCoef,
      gradSteps: steps,
      gradStepsPlanned: this.t.numEpochs * p.numMb,
      stoppedEarly,
    };
  }

  /**
   * Data parallelism (Learner.beginUpdate): the same train batch and minibatch plan as {@link update}
   * (the same RNG draws in the same order, so every replica shuffles alike). Returns the steps planned.
   * @throws TypeError when the gradients run on a device (data parallelism covers gradients 'js').
   */
  beginUpdate(fragments: readonly Fragment[], info: UpdateInfo): number {
    if (!(this.grads instanceof JsGradients)) {
      throw new TypeError(
        "PPO with learners.numLearners > 1 needs gradients 'js' (MLPs up to 50k weights on a CPU backend); this model's gradients run on the device.",
      );
    }
    const p = this.prepare(fragments, info);
    this.plan = {
      ...p,
      mb: allocMinibatch(p.mbSize, this.spec),
      perm: new Uint32Array(0),
      next: 0,
      steps: 0,
      stoppedEarly: 0,
      sums: new Float64Array(STEP_STATS.length),
    };
    return this.t.numEpochs * p.numMb;
  }

  /**
   * Data parallelism (Learner.nextGradients): the gradient of this learner's shard of the next planned
   * minibatch. Advantages are normalised over the whole minibatch first, as {@link update} does.
   * @throws RangeError when no update was begun or the minibatch does not split evenly.
   */
  nextGradients(shard: GradientShard): GradientResult {
    const plan = this.plan;
    if (plan === undefined || !(this.grads instanceof JsGradients)) {
      throw new RangeError('PpoLearner.nextGradients: call beginUpdate first.');
    }
    if (plan.mbSize % shard.count !== 0) {
      throw new RangeError(
        `PPO data-parallel: the minibatch (${plan.mbSize} rows) must split evenly over learners.numLearners (${shard.count}).`,
      );
    }
    const k = plan.next % plan.numMb;
    if (k === 0) plan.perm = permutation(plan.data.count, this.rng);
    plan.next++;
    gatherRows(plan.data, plan.perm.subarray(k * plan.mbSize, (k + 1) * plan.mbSize), plan.mb, this.spec);
    if (this.t.normAdvantages) normalizeAdvantages(plan.mb.advantages);
    const rows = plan.mbSize / shard.count;
    const stats = this.grads.shardGradient(
      sliceRows(plan.mb, shard.index * rows, rows, this.spec),
      plan.coefs,
    );
    const grads = [
      { name: FLAT_GRADIENT, shape: [this.grads.gradient.length], data: this.grads.gradient.slice() },
    ];
    return {
      grads,
      stats: Object.fromEntries(STEP_STATS.slice(0, stats.length).map((name, i) => [name, stats[i]!])),
    };
  }

  /**
   * Data parallelism (Learner.applyGradients): one Adam step with the mean of the learners' gradients;
   * `stopUpdate` 1 when the mean approx KL passed `targetKl` (the minibatch's KL, as {@link update} reads it).
   */
  async applyGradients(results: readonly GradientResult[], _info: UpdateInfo): Promise<LearnerStats> {
    const plan = this.plan;
    if (plan === undefined || !(this.grads instanceof JsGradients)) {
      throw new RangeError('PpoLearner.applyGradients: call beginUpdate first.');
    }
    const [mean] = averageGradients(results.map((r) => r.grads));
    const gradNorm = await this.grads.applyGradient(mean!.data as Float32Array, plan.lr);
    STEP_STATS.forEach((name, i) => {
      plan.sums[i]! +=
        name === 'gradNorm' ? gradNorm : results.reduce((sum, r) => sum + r.stats[name]!, 0) / results.length;
    });
    plan.steps++;
    const kl = results.reduce((sum, r) => sum + r.stats['approxKl']!, 0) / results.length;
    const targetKl = this.t.targetKl;
    if (targetKl !== undefined && kl > targetKl) plan.stoppedEarly = 1;
    return { gradNorm, stopUpdate: plan.stoppedEarly };
  }

  /** Data parallelism (Learner.endUpdate): the stats of the update, as {@link update} returns them. */
  endUpdate(): LearnerStats {
    const plan = this.plan;
    if (plan === undefined) throw new RangeError('PpoLearner.endUpdate: call beginUpdate first.');
    this.plan = undefined;
    return this.updateStats(plan, plan.steps, plan.stoppedEarly, plan.sums);
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
