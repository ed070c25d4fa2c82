/**
 * SAC's learner, one gradient step per minibatch (Haarnoja et al. 2018, Algorithm 1; CleanRL order):
 *   1. y = r + gamma (1 - terminated) (min_j Q_target_j(s', a') - alpha log pi(a'|s')), a' ~ pi(.|s')
 *   2. critic step on MSE(Q1, y) + MSE(Q2, y)                       (critic Adam, `criticLr`)
 *   3. actor step on mean(alpha log pi(a|s) - min_j Q_j(s, a)), a ~ pi(.|s) reparameterised (actor Adam)
 *   4. alpha step on -log_alpha (log pi + target entropy)            (`alphaLr`; a scalar Adam in JS)
 *   5. Polyak update of both target critics every `targetUpdateInterval` steps.
 * Truncated transitions bootstrap (their `terminated` is 0). The Gaussian noise is drawn from a seeded
 * JS generator, so a run is reproducible and resumes exactly. Losses are in ./loss.ts.
 *
 * The arithmetic runs in plain JS (rl/models/js-mlp-trainer.ts, hand-written backward passes): for the
 * preset's small networks a tfjs-wasm step costs ~9 ms, mostly per-op overhead. The gradients of the
 * losses are written out here and checked against tfjs autodiff of ./loss.ts in
 * test/algorithms/sac/learner.test.ts.
 */
import { SeededRng } from '../../envs/rng.js';
import type { Fragment, Learner, LearnerState, LearnerStats, UpdateInfo } from '../../rl/algorithm.js';
import { HALF_LOG_2PI } from '../../rl/distributions/diag-gaussian.js';
import { logOneMinusTanhSq } from '../../rl/distributions/squashed-gaussian.js';
import { type JsAdamOptions, JsMlpTrainer } from '../../rl/models/js-mlp-trainer.js';
import type { MlpSpec } from '../../rl/models/mlp.js';
import { type NamedWeights, validateNamedWeights } from '../../rl/models/named-weights.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import type { SampleBatch } from '../../rl/sample-batch/sample-batch.js';
import type { SacTraining } from './config.js';
import { defaultTargetEntropy } from './loss.js';
import {
  ACTOR,
  CRITIC_TARGETS,
  CRITICS,
  LOG_STD_MAX,
  LOG_STD_MIN,
  type SacActionSpec,
  UNIFORM,
} from './model.js';

/** Options of {@link SacLearner}. */
export interface SacLearnerOptions {
  readonly actorSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  readonly action: SacActionSpec;
  readonly training: SacTraining;
  /** Seeds the weights and the policy noise. */
  readonly seed: number;
}

const under = (w: NamedWeights, prefix: string) => w.filter((x) => x.name.startsWith(`${prefix}/`));

/** A reparameterised sample of the squashed Gaussian and what its backward pass needs. [B, A] each. */
interface PolicySample {
  readonly actions: Float64Array;
  /** log pi(a|s). [B] */
  readonly logProb: Float64Array;
  readonly tanhU: Float64Array;
  readonly std: Float64Array;
  /** tanh of the raw log-std head (for d logStd / d raw). */
  readonly tanhRaw: Float64Array;
}

/** The SAC learner (see the module comment). Needs no tensor backend. */
export class SacLearner implements Learner {
  private readonly t: SacTraining;
  private readonly action: SacActionSpec;
  private readonly targetEntropy: number;
  private readonly actor: JsMlpTrainer;
  private readonly critics: [JsMlpTrainer, JsMlpTrainer];
  /** Target critics' parameters, in the critics' layout. */
  private readonly targets: [Float32Array, Float32Array];
  private readonly rng: SeededRng;
  private readonly scale: Float64Array;
  private readonly offset: Float64Array;
  /** sum_a log(scale_a): the rescaling term of log pi. */
  private readonly logScaleSum: number;
  /** log alpha and its scalar Adam moments (torch.optim.Adam defaults). */
  private logAlpha: number;
  private alphaM = 0;
  private alphaV = 0;
  private alphaSteps = 0;
  private gradSteps = 0;

  constructor(options: SacLearnerOptions) {
    this.t = options.training;
    this.action = options.action;
    this.targetEntropy = this.t.targetEntropy ?? defaultTargetEntropy(this.action.actionSize);
    this.logAlpha = Math.log(this.t.initialAlpha);
    this.rng = SeededRng.fromSeed(options.seed * 7919 + 3);
    // A small actor head starts the policy near tanh(0) with log std near its middle.
    this.actor = new JsMlpTrainer({
      ...options.actorSpec,
      seed: options.seed,
      name: ACTOR,
      outputGain: 0.01,
    });
    const critic = (i: 0 | 1) =>
      new JsMlpTrainer({ ...options.criticSpec, seed: options.seed + 101 * (i + 1), name: CRITICS[i] });
    this.critics = [critic(0), critic(1)];
    this.targets = [this.critics[0].params.slice(), this.critics[1].params.slice()];
    const { low, high } = this.action.bounds;
    this.scale = Float64Array.from(low, (l, i) => (high[i]! - l) / 2);
    this.offset = Float64Array.from(low, (l, i) => (high[i]! + l) / 2);
    this.logScaleSum = this.scale.reduce((sum, x) => sum + Math.log(x), 0);
  }

  /** The current temperature. */
  get alpha(): number {
    return Math.exp(this.logAlpha);
  }

  update(fragments: readonly Fragment[], _info: UpdateInfo): LearnerStats {
    const sums: Record<string, number> = {};
    for (const f of fragments) {
      for (const [k, v] of Object.entries(this.step(f.batch))) sums[k] = (sums[k] ?? 0) + v;
    }
    const n = Math.max(1, fragments.length);
    const out: LearnerStats = {};
    for (const [k, v] of Object.entries(sums)) out[k] = v / n;
    return out;
  }

  private noise(n: number): Float64Array {
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = this.rng.normal();
    return z;
  }

  /**
   * a ~ pi(.|s) reparameterised with `noise` (CleanRL `Actor.forward` + `get_action`;
   * rl/distributions/squashed-gaussian.ts `rsample`): log std = tanh(raw) squashed into
   * [LOG_STD_MIN, LOG_STD_MAX], u = mean + std z, a = offset + scale tanh(u),
   * log pi = sum(-z^2/2 - log std - log(2 pi)/2 - log(1 - tanh(u)^2)) - sum(log scale).
   * Leaves the actor's activations for a backward pass.
   */
  private policy(obs: Float32Array, B: number, noise: Float64Array): PolicySample {
    const A = this.action.actionSize;
    const head = this.actor.forward(obs, B); // [B, 2A]
    const half = 0.5 * (LOG_STD_MAX - LOG_STD_MIN);
    const actions = new Float64Array(B * A);
    const logProb = new Float64Array(B);
    const tanhU = new Float64Array(B * A);
    const std = new Float64Array(B * A);
    const tanhRaw = new Float64Array(B * A);
    for (let b = 0; b < B; b++) {
      let lp = -this.logScaleSum;
      for (let a = 0; a < A; a++) {
        const i = b * A + a;
        const tr = Math.tanh(head[b * 2 * A + A + a]!);
        const logStd = tr * half + LOG_STD_MIN + half;
        const sd = Math.exp(logStd);
        const z = noise[i]!;
        const u = head[b * 2 * A + a]! + sd * z;
        const th = Math.tanh(u);
        tanhRaw[i] = tr;
        std[i] = sd;
        tanhU[i] = th;
        actions[i] = this.offset[a]! + this.scale[a]! * th;
        lp += -0.5 * z * z - logStd - HALF_LOG_2PI - logOneMinusTanhSq(u);
      }
      logProb[b] = lp;
    }
    return { actions, logProb, tanhU, std, tanhRaw };
  }

  /** [obs, actions] rows [B, D + A]: the critics' input. */
  private criticInput(obs: Float32Array, actions: ArrayLike<number>, B: number): Float64Array {
    const D = this.actor.spec.inputSize;
    const A = this.action.actionSize;
    const x = new Float64Array(B * (D + A));
    for (let b = 0; b < B; b++) {
      for (let d = 0; d < D; d++) x[b * (D + A) + d] = obs[b * D + d]!;
      for (let a = 0; a < A; a++) x[b * (D + A) + D + a] = actions[b * A + a]!;
    }
    return x;
  }

  private adamOptions(lr: number): JsAdamOptions {
    return this.t.maxGradNorm === undefined
      ? { learningRate: lr }
      : { learningRate: lr, maxGradNorm: this.t.maxGradNorm };
  }

  /** One SAC gradient step on one minibatch. */
  private step(batch: SampleBatch): Record<string, number> {
    const B = batch.count;
    const A = this.action.actionSize;
    const D = this.actor.spec.inputSize;
    const alpha = this.alpha;
    const [c1, c2] = this.critics;
    const obs = batch.float32(Columns.OBS);
    const nextObs = batch.float32(Columns.NEXT_OBS);
    const actions = batch.float32(Columns.ACTIONS);
    const rewards = batch.float32(Columns.REWARDS);
    const terminated = batch.uint8(Columns.TERMINATED);
    const nextNoise = this.noise(B * A);
    const noise = this.noise(B * A);
    // 1. Soft target (./loss.ts sacTarget), no gradient.
    const next = this.policy(nextObs, B, nextNoise);
    const xNext = this.criticInput(nextObs, next.actions, B);
    const qt1 = Float64Array.from(c1.forwardWith(this.targets[0], xNext, B));
    const qt2 = c2.forwardWith(this.targets[1], xNext, B);
    const y = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      const soft = Math.min(qt1[b]!, qt2[b]!) - alpha * next.logProb[b]!;
      y[b] = rewards[b]! + this.t.gamma * (1 - terminated[b]!) * soft;
    }
    // 2. Critic step on MSE(Q1, y) + MSE(Q2, y) (./loss.ts sacCriticLoss), one clipping norm for both.
    const x = this.criticInput(obs, actions, B);
    const dq = new Float64Array(B);
    let criticLoss = 0;
    let qSum = 0;
    let criticSq = 0;
    for (const c of this.critics) {
      const q = c.forward(x, B);
      if (c === c1) for (let b = 0; b < B; b++) qSum += q[b]!;
      for (let b = 0; b < B; b++) {
        const d = q[b]! - y[b]!;
        criticLoss += (d * d) / B;
        dq[b] = (2 * d) / B;
      }
      c.backward(dq);
      criticSq += c.gradSquaredNorm();
    }
    const criticGradNorm = Math.sqrt(criticSq);
    const maxNorm = this.t.maxGradNorm;
    const criticCoef = maxNorm === undefined ? 1 : Math.min(1, maxNorm / (criticGradNorm + 1e-6));
    // Both critics were backpropagated before either moved: the step is on the joint loss's gradient.
    c1.adamStepScaled(this.adamOptions(this.t.criticLr), criticCoef);
    c2.adamStepScaled(this.adamOptions(this.t.criticLr), criticCoef);
    // 3. Actor step on mean(alpha log pi(a|s) - min_j Q_j(s, a)) (./loss.ts sacActorLoss), through the
    // updated critics into the action (their own gradients are discarded).
    const pi = this.policy(obs, B, noise);
    const xPi = this.criticInput(obs, pi.actions, B);
    const q1 = Float64Array.from(c1.forward(xPi, B));
    const q2 = Float64Array.from(c2.forward(xPi, B));
    let actorLoss = 0;
    let logProbSum = 0;
    const dAction = new Float64Array(B * A);
    const dMin = new Float64Array(B);
    for (const [k, c] of [c1, c2].entries()) {
      // d(-min(Q1, Q2))/dQ_k: -1/B on the smaller one (ties to Q1, as tf.minimum's gradient).
      for (let b = 0; b < B; b++) dMin[b] = q1[b]! <= q2[b]! === (k === 0) ? -1 / B : 0;
      const dx = c.backward(dMin, true)!;
      for (let b = 0; b < B; b++) {
        for (let a = 0; a < A; a++) dAction[b * A + a]! += dx[b * (D + A) + D + a]!;
      }
    }
    const half = 0.5 * (LOG_STD_MAX - LOG_STD_MIN);
    const dHead = new Float64Array(B * 2 * A);
    for (let b = 0; b < B; b++) {
      actorLoss += (alpha * pi.logProb[b]! - Math.min(q1[b]!, q2[b]!)) / B;
      logProbSum += pi.logProb[b]!;
      for (let a = 0; a < A; a++) {
        const i = b * A + a;
        const th = pi.tanhU[i]!;
        // d log pi / du = 2 tanh(u) (from -log(1 - tanh(u)^2)); da/du = scale (1 - tanh(u)^2).
        const dU = (alpha / B) * 2 * th + dAction[i]! * this.scale[a]! * (1 - th * th);
        // d log pi / d logStd = -1 directly, plus through u = mean + std z.
        const dLogStd = -alpha / B + dU * pi.std[i]! * noise[i]!;
        const tr = pi.tanhRaw[i]!;
        dHead[b * 2 * A + a] = dU;
        dHead[b * 2 * A + A + a] = dLogStd * half * (1 - tr * tr);
      }
    }
    // The actor's cached activations are those of this.policy(obs) above.
    this.actor.backward(dHead);
    const actorGradNorm = this.actor.adamStep(this.adamOptions(this.t.actorLr));
    const logProbMean = logProbSum / B;
    if (this.t.autoEntropy) this.alphaStep(logProbMean);
    this.gradSteps += 1;
    if (this.gradSteps % this.t.targetUpdateInterval === 0) {
      c1.polyakInto(this.targets[0], this.t.tau);
      c2.polyakInto(this.targets[1], this.t.tau);
    }
    return {
      criticLoss,
      actorLoss,
      qMean: qSum / B,
      entropy: -logProbMean,
      alpha: this.alpha,
      criticGradNorm,
      actorGradNorm,
    };
  }

  /**
   * One Adam step on log alpha for sacAlphaLoss (./loss.ts): the gradient of
   * -mean(log_alpha (log pi + H_target)) is -(mean(log pi) + H_target); a scalar, so plain JS
   * (torch.optim.Adam: betas 0.9, 0.999, eps 1e-8).
   */
  private alphaStep(logProbMean: number): void {
    const g = -(logProbMean + this.targetEntropy);
    this.alphaSteps += 1;
    this.alphaM = 0.9 * this.alphaM + 0.1 * g;
    this.alphaV = 0.999 * this.alphaV + 0.001 * g * g;
    const mHat = this.alphaM / (1 - 0.9 ** this.alphaSteps);
    const vHat = this.alphaV / (1 - 0.999 ** this.alphaSteps);
    this.logAlpha -= (this.t.alphaLr * mHat) / (Math.sqrt(vHat) + 1e-8);
  }

  getWeights(): NamedWeights {
    const uniform = this.gradSteps === 0 ? 1 : 0;
    return [...this.actor.getWeights(), { name: UNIFORM, shape: [1], data: Float32Array.of(uniform) }];
  }

  getState(): LearnerState {
    const a = this.actor.getAdamState();
    const c1 = this.critics[0].getAdamState();
    const c2 = this.critics[1].getAdamState();
    return {
      weights: [
        ...this.actor.getWeights(),
        ...this.critics[0].getWeights(),
        ...this.critics[1].getWeights(),
        ...this.critics[0].getWeights(this.targets[0], CRITIC_TARGETS[0]),
        ...this.critics[1].getWeights(this.targets[1], CRITIC_TARGETS[1]),
      ],
      optimizer: [...a.m, ...a.v, ...c1.m, ...c2.m, ...c1.v, ...c2.v],
      extra: {
        actorAdamSteps: a.stepCount,
        criticAdamSteps: c1.stepCount,
        logAlpha: this.logAlpha,
        alphaAdam: [this.alphaM, this.alphaV, this.alphaSteps],
        gradSteps: this.gradSteps,
        rng: this.rng.getState(),
      },
    };
  }

  setState(state: LearnerState): void {
    const w = validateNamedWeights(state.weights, 'learner.weights');
    const o = validateNamedWeights(state.optimizer, 'learner.optimizer');
    const e = state.extra;
    const na = this.actor.spec.hiddenSizes.length + 1;
    const nc = this.critics[0].spec.hiddenSizes.length + 1;
    // Layout of getState: actor m, actor v (2 na each), critics' m (q1, q2), critics' v.
    const [a0, a1, a2] = [0, 2 * na, 4 * na];
    this.actor.setAdamState(o.slice(a0, a1), o.slice(a1, a2), e['actorAdamSteps']);
    const c = (k: number) => o.slice(a2 + 2 * nc * k, a2 + 2 * nc * (k + 1));
    this.critics[0].setAdamState(c(0), c(2), e['criticAdamSteps']);
    this.critics[1].setAdamState(c(1), c(3), e['criticAdamSteps']);
    this.actor.setWeights(under(w, ACTOR));
    for (const i of [0, 1] as const) {
      this.critics[i].setWeights(under(w, CRITICS[i]));
      this.critics[i].setWeights(under(w, CRITIC_TARGETS[i]), this.targets[i], CRITIC_TARGETS[i]);
    }
    const alphaAdam = e['alphaAdam'];
    if (
      typeof e['logAlpha'] !== 'number' ||
      typeof e['gradSteps'] !== 'number' ||
      !Array.isArray(alphaAdam) ||
      alphaAdam.length !== 3 ||
      !alphaAdam.every((x) => typeof x === 'number')
    ) {
      throw new TypeError(
        'SacLearner.setState: extra needs numbers logAlpha, gradSteps and alphaAdam [m, v, steps].',
      );
    }
    this.logAlpha = e['logAlpha'];
    [this.alphaM, this.alphaV, this.alphaSteps] = alphaAdam as [number, number, number];
    this.gradSteps = e['gradSteps'];
    this.rng.setState(e['rng']);
  }

  dispose(): void {}
}
