/**
 * SAC's learner, one gradient step per minibatch (Haarnoja et al. 2018, Algorithm 1; CleanRL order):
 *   1. y = r + gamma (1 - terminated) (min_j Q_target_j(s', a') - alpha log pi(a'|s')), a' ~ pi(.|s')
 *   2. critic step on MSE(Q1, y) + MSE(Q2, y)                       (critic Adam, `criticLr`)
 *   3. actor step on mean(alpha log pi(a|s) - min_j Q_j(s, a)), a ~ pi(.|s) reparameterised (actor Adam)
 *   4. alpha step on -log_alpha (log pi + target entropy)            (alpha Adam, `alphaLr`)
 *   5. Polyak update of both target critics every `targetUpdateInterval` steps.
 * Truncated transitions bootstrap (their `terminated` is 0). The Gaussian noise is drawn from a seeded
 * JS generator, so a run is reproducible and resumes exactly. Losses are in ./loss.ts. Everything,
 * log alpha included, stays on the device: statistics are summed there and read once per update.
 */
import type * as tfjs from '@tensorflow/tfjs';
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
import { requireTf } from '../../rl/backend/backend.js';
import { SquashedGaussian } from '../../rl/distributions/squashed-gaussian.js';
import { Mlp, type MlpSpec } from '../../rl/models/mlp.js';
import { type NamedWeights, validateNamedWeights } from '../../rl/models/named-weights.js';
import { Adam, averageGradients, type LossOutput } from '../../rl/optim/adam.js';
import { DeviceStats } from '../../rl/optim/device-stats.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import type { SampleBatch } from '../../rl/sample-batch/sample-batch.js';
import type { SacTraining } from './config.js';
import { defaultTargetEntropy, sacActorLoss, sacAlphaLoss, sacCriticLoss, sacTarget } from './loss.js';
import { ACTOR, CRITIC_TARGETS, CRITICS, type SacActionSpec, squashLogStdTensor } from './model.js';

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

/** The SAC learner (see the module comment). Requires `initBackend()` first. */
export class SacLearner implements Learner {
  private readonly tf = requireTf();
  private readonly t: SacTraining;
  private readonly action: SacActionSpec;
  private readonly targetEntropy: number;
  private readonly actor: Mlp;
  private readonly critics: [Mlp, Mlp];
  private readonly targets: [Mlp, Mlp];
  private readonly actorAdam: Adam;
  private readonly criticAdam: Adam;
  /** log alpha (a scalar variable) and its Adam (torch.optim.Adam defaults, as CleanRL sac_continuous_action.py). */
  private readonly logAlpha: tfjs.Variable;
  private readonly alphaAdam: Adam;
  private readonly rng: SeededRng;
  private readonly stats = new DeviceStats();
  private gradSteps = 0;
  /** Data parallelism: this shard's actor noise, drawn in phase 0 and used in phase 1. */
  private shardNoise: tfjs.Tensor2D | undefined;
  readonly gradientPhases = 2;

  constructor(options: SacLearnerOptions) {
    this.t = options.training;
    this.action = options.action;
    this.targetEntropy = this.t.targetEntropy ?? defaultTargetEntropy(this.action.actionSize);
    this.logAlpha = this.tf.variable(this.tf.scalar(Math.log(this.t.initialAlpha)), true);
    this.alphaAdam = new Adam([this.logAlpha], { learningRate: this.t.alphaLr, names: ['logAlpha'] });
    this.rng = SeededRng.fromSeed(options.seed * 7919 + 3);
    // A small actor head starts the policy near tanh(0) with log std near its middle.
    this.actor = new Mlp({ ...options.actorSpec, seed: options.seed, name: ACTOR, outputGain: 0.01 });
    const critic = (i: 0 | 1, name: string) =>
      new Mlp({ ...options.criticSpec, seed: options.seed + 101 * (i + 1), name });
    this.critics = [critic(0, CRITICS[0]), critic(1, CRITICS[1])];
    this.targets = [critic(0, CRITIC_TARGETS[0]), critic(1, CRITIC_TARGETS[1])];
    this.targets[0].copyFrom(this.critics[0]);
    this.targets[1].copyFrom(this.critics[1]);
    const clip = this.t.maxGradNorm === undefined ? {} : { maxGradNorm: this.t.maxGradNorm };
    this.actorAdam = new Adam(this.actor.variables, {
      learningRate: this.t.actorLr,
      names: this.actor.weightSpecs().map((s) => s.name),
      ...clip,
    });
    const criticVars = [...this.critics[0].variables, ...this.critics[1].variables];
    this.criticAdam = new Adam(criticVars, {
      learningRate: this.t.criticLr,
      names: [...this.critics[0].weightSpecs(), ...this.critics[1].weightSpecs()].map((s) => s.name),
      ...clip,
    });
  }

  async update(fragments: readonly Fragment[], _info: UpdateInfo): Promise<LearnerStats> {
    for (const f of fragments) this.step(f.batch);
    const m = await this.stats.takeMeans();
    if (fragments.length === 0) return {};
    return {
      criticLoss: m['critic.loss']!,
      actorLoss: m['actor.loss']!,
      qMean: m['critic.qMean']!,
      entropy: -m['actor.logProbMean']!,
      alpha: m['alpha']!,
      criticGradNorm: m['critic.gradNorm']!,
      actorGradNorm: m['actor.gradNorm']!,
    };
  }

  /** The squashed Gaussian pi(.|s) for `obs` [B, D] (CleanRL `Actor.forward` + `get_action`). */
  private policy(obs: tfjs.Tensor2D): SquashedGaussian {
    const tf = this.tf;
    const A = this.action.actionSize;
    const B = obs.shape[0];
    const head = this.actor.apply(obs); // [B, 2A]
    const mean = tf.slice(head, [0, 0], [B, A]) as tfjs.Tensor2D;
    const raw = tf.slice(head, [0, A], [B, A]);
    const logStd = squashLogStdTensor(tf, raw); // in [LOG_STD_MIN, LOG_STD_MAX]
    return new SquashedGaussian(mean, logStd, this.action.bounds);
  }

  /** min(Q1, Q2)(s, a) [B] of a critic pair. */
  private qMin(pair: readonly [Mlp, Mlp], obs: tfjs.Tensor2D, actions: tfjs.Tensor2D): tfjs.Tensor1D {
    const tf = this.tf;
    const x = tf.concat([obs, actions], 1) as tfjs.Tensor2D; // [B, D + A]
    return tf.reshape(tf.minimum(pair[0].apply(x), pair[1].apply(x)), [-1]) as tfjs.Tensor1D;
  }

  /** Noise for `rows` rows from the `start`-th of a draw for `B` rows [B, A] (a shard's part of it). */
  private noise(B: number, start = 0, rows = B): tfjs.Tensor2D {
    const A = this.action.actionSize;
    const z = new Float32Array(B * A);
    for (let i = 0; i < z.length; i++) z[i] = this.rng.normal();
    return this.tf.tensor2d(z.subarray(start * A, (start + rows) * A), [rows, A]);
  }

  /** A minibatch's obs [B, D], next obs [B, D] and actions [B, A] as tensors. */
  private inputs(batch: SampleBatch): { obs: tfjs.Tensor2D; nextObs: tfjs.Tensor2D; actions: tfjs.Tensor2D } {
    const tf = this.tf;
    const B = batch.count;
    const D = this.actor.spec.inputSize;
    return {
      obs: tf.tensor2d(batch.float32(Columns.OBS), [B, D]),
      nextObs: tf.tensor2d(batch.float32(Columns.NEXT_OBS), [B, D]),
      actions: tf.tensor2d(batch.float32(Columns.ACTIONS), [B, this.action.actionSize]),
    };
  }

  /** Step 1: the soft TD targets y [B] (no gradient). */
  private targetsOf(
    batch: SampleBatch,
    nextObs: tfjs.Tensor2D,
    nextNoise: tfjs.Tensor2D,
    alpha: tfjs.Scalar,
  ): tfjs.Tensor1D {
    const tf = this.tf;
    return tf.tidy(() => {
      const next = this.policy(nextObs).rsample(nextNoise);
      return sacTarget(tf, {
        rewards: tf.tensor1d(batch.float32(Columns.REWARDS)),
        terminated: tf.tensor1d(Float32Array.from(batch.uint8(Columns.TERMINATED))),
        nextQTargetMin: this.qMin(this.targets, nextObs, next.actions),
        nextLogProbs: next.logProb,
        alpha,
        gamma: this.t.gamma,
      });
    });
  }

  /** Step 2's loss: MSE(Q1, y) + MSE(Q2, y). */
  private criticLoss(obs: tfjs.Tensor2D, actions: tfjs.Tensor2D, targets: tfjs.Tensor1D): () => LossOutput {
    const tf = this.tf;
    const B = obs.shape[0];
    return () => {
      const x = tf.concat([obs, actions], 1) as tfjs.Tensor2D;
      const q1 = tf.reshape(this.critics[0].apply(x), [B]) as tfjs.Tensor1D;
      const q2 = tf.reshape(this.critics[1].apply(x), [B]) as tfjs.Tensor1D;
      return { loss: sacCriticLoss(tf, q1, q2, targets), metrics: { qMean: tf.mean(q1) as tfjs.Scalar } };
    };
  }

  /**
   * Step 3's loss: mean(alpha log pi(a|s) - min_j Q_j(s, a)), a reparameterised with `noise`; hands the
   * log-probs [B] to `keep` (kept: the caller disposes them) for the temperature's step.
   */
  private actorLoss(
    obs: tfjs.Tensor2D,
    noise: tfjs.Tensor2D,
    alpha: tfjs.Scalar,
    keep: (logProbs: tfjs.Tensor1D) => void,
  ): () => LossOutput {
    const tf = this.tf;
    return () => {
      const { actions: a, logProb } = this.policy(obs).rsample(noise);
      keep(tf.keep(logProb));
      const loss = sacActorLoss(tf, logProb, this.qMin(this.critics, obs, a), alpha);
      return { loss, metrics: { logProbMean: tf.mean(logProb) as tfjs.Scalar } };
    };
  }

  /** Step 4's loss on the actor step's log-probs (constants). */
  private alphaLoss(logProbs: tfjs.Tensor1D): () => LossOutput {
    return () => sacAlphaLoss(this.tf, this.logAlpha as tfjs.Scalar, logProbs, this.targetEntropy);
  }

  /** Step 5, after the other four: counts the step and updates the targets when due. */
  private endStep(): void {
    this.gradSteps += 1;
    if (this.gradSteps % this.t.targetUpdateInterval === 0) {
      this.targets[0].polyakFrom(this.critics[0], this.t.tau);
      this.targets[1].polyakFrom(this.critics[1], this.t.tau);
    }
  }

  /** One SAC gradient step on one minibatch; its numbers go to {@link stats}, nothing is read back. */
  private step(batch: SampleBatch): void {
    const tf = this.tf;
    const { obs, nextObs, actions } = this.inputs(batch);
    const B = batch.count;
    const nextNoise = this.noise(B);
    const noise = this.noise(B);
    // alpha as of the start of the step, a constant in every loss but the temperature's.
    const alpha = tf.exp(this.logAlpha) as tfjs.Scalar;
    const inputs: tfjs.Tensor[] = [obs, nextObs, actions, nextNoise, noise, alpha];
    try {
      const targets = this.targetsOf(batch, nextObs, nextNoise, alpha);
      inputs.push(targets);
      this.stats.add(this.criticAdam.step(this.criticLoss(obs, actions, targets)), 'critic.');
      let logProbs: tfjs.Tensor1D | undefined;
      const actor = this.actorAdam.step(
        this.actorLoss(obs, noise, alpha, (lp) => {
          logProbs = lp;
          inputs.push(lp);
        }),
      );
      this.stats.add(actor, 'actor.');
      // The temperature step sees the log-probs of the actor step (before its update), as constants.
      if (this.t.autoEntropy) this.alphaAdam.step(this.alphaLoss(logProbs!)).values.dispose();
      this.stats.add({
        names: ['alpha'],
        values: tf.tidy(() => tf.reshape(tf.exp(this.logAlpha), [1]) as tfjs.Tensor1D),
      });
      this.endStep();
    } finally {
      for (const x of inputs) x.dispose();
    }
  }

  /**
   * Data parallelism (Learner.computeGradients), two phases per step: 0 the critics' gradients on this
   * shard, 1 the actor's (and the temperature's) on the critics phase 0 updated. Every replica draws
   * the whole minibatch's noise (same RNG, same order as {@link step}) and uses its shard's rows, so N
   * learners compute what one would.
   */
  async computeGradients(
    batch: SampleBatch,
    _info: UpdateInfo,
    shard: GradientShard,
  ): Promise<GradientResult> {
    const tf = this.tf;
    const { obs, nextObs, actions } = this.inputs(batch);
    const rows = batch.count;
    const alpha = tf.exp(this.logAlpha) as tfjs.Scalar;
    const inputs: tfjs.Tensor[] = [obs, nextObs, actions, alpha];
    try {
      if (shard.phase === 0) {
        const nextNoise = this.noise(rows * shard.count, shard.index * rows, rows);
        this.shardNoise?.dispose();
        this.shardNoise = this.noise(rows * shard.count, shard.index * rows, rows);
        inputs.push(nextNoise);
        const targets = this.targetsOf(batch, nextObs, nextNoise, alpha);
        inputs.push(targets);
        const r = await this.criticAdam.computeGradients(this.criticLoss(obs, actions, targets));
        return { grads: r.grads, stats: { criticLoss: r.loss, qMean: r.metrics['qMean'] ?? 0 } };
      }
      if (this.shardNoise === undefined) {
        throw new RangeError('SacLearner.computeGradients: phase 1 before phase 0.');
      }
      let logProbs: tfjs.Tensor1D | undefined;
      const r = await this.actorAdam.computeGradients(
        this.actorLoss(obs, this.shardNoise, alpha, (lp) => {
          logProbs = lp;
          inputs.push(lp);
        }),
      );
      const grads = [...r.grads];
      if (this.t.autoEntropy)
        grads.push(...(await this.alphaAdam.computeGradients(this.alphaLoss(logProbs!))).grads);
      return { grads, stats: { actorLoss: r.loss, logProbMean: r.metrics['logProbMean'] ?? 0 } };
    } finally {
      for (const x of inputs) x.dispose();
    }
  }

  /**
   * Data parallelism (Learner.applyGradients): the mean gradients to the critics (phase 0), or to the
   * actor and the temperature (phase 1, then the target update).
   */
  async applyGradients(
    results: readonly GradientResult[],
    _info: UpdateInfo,
    phase: number,
  ): Promise<LearnerStats> {
    const mean = averageGradients(results.map((r) => r.grads));
    if (phase === 0) return { criticGradNorm: await this.criticAdam.applyNamedGradients(mean) };
    const numActor = this.actor.variables.length;
    const actorGradNorm = await this.actorAdam.applyNamedGradients(mean.slice(0, numActor));
    if (this.t.autoEntropy) await this.alphaAdam.applyNamedGradients(mean.slice(numActor));
    this.endStep();
    this.shardNoise?.dispose();
    this.shardNoise = undefined;
    const logProbMean = results.reduce((sum, r) => sum + r.stats['logProbMean']!, 0) / results.length;
    const logAlpha = (await this.logAlpha.data())[0] as number;
    return { actorGradNorm, entropy: -logProbMean, alpha: Math.exp(logAlpha) };
  }

  getWeights(): Promise<NamedWeights> {
    return this.actor.readWeights();
  }

  async getState(): Promise<LearnerState> {
    const [a, c, alpha, logAlpha, ...weights] = await Promise.all([
      this.actorAdam.readState(),
      this.criticAdam.readState(),
      this.alphaAdam.readState(),
      this.logAlpha.data(),
      ...[this.actor, ...this.critics, ...this.targets].map((m) => m.readWeights()),
    ]);
    return {
      weights: weights.flat(),
      optimizer: [...a.m, ...a.v, ...c.m, ...c.v],
      extra: {
        actorAdamSteps: a.stepCount,
        criticAdamSteps: c.stepCount,
        logAlpha: logAlpha[0] as number,
        alphaAdam: [alpha.m[0]!.data[0]!, alpha.v[0]!.data[0]!, alpha.stepCount],
        gradSteps: this.gradSteps,
        rng: this.rng.getState(),
      },
    };
  }

  setState(state: LearnerState): void {
    const w = validateNamedWeights(state.weights, 'learner.weights');
    this.actor.setWeights(under(w, ACTOR));
    for (const i of [0, 1] as const) {
      this.critics[i].setWeights(under(w, CRITICS[i]));
      this.targets[i].setWeights(under(w, CRITIC_TARGETS[i]));
    }
    const na = this.actor.variables.length;
    const nc = 2 * this.critics[0].variables.length;
    const o = state.optimizer;
    const e = state.extra;
    this.actorAdam.setState({
      format: 'tsrl-adam/1',
      stepCount: e['actorAdamSteps'],
      m: o.slice(0, na),
      v: o.slice(na, 2 * na),
    });
    this.criticAdam.setState({
      format: 'tsrl-adam/1',
      stepCount: e['criticAdamSteps'],
      m: o.slice(2 * na, 2 * na + nc),
      v: o.slice(2 * na + nc, 2 * na + 2 * nc),
    });
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
    const [m, v, steps] = alphaAdam as [number, number, number];
    this.alphaAdam.setState({
      format: 'tsrl-adam/1',
      stepCount: steps,
      m: [{ name: 'm/logAlpha', shape: [], data: Float32Array.of(m) }],
      v: [{ name: 'v/logAlpha', shape: [], data: Float32Array.of(v) }],
    });
    this.tf.tidy(() => this.logAlpha.assign(this.tf.scalar(e['logAlpha'] as number)));
    this.gradSteps = e['gradSteps'];
    this.rng.setState(e['rng']);
  }

  dispose(): void {
    this.shardNoise?.dispose();
    this.stats.dispose();
    this.alphaAdam.dispose();
    this.logAlpha.dispose();
    this.actorAdam.dispose();
    this.criticAdam.dispose();
    this.actor.dispose();
    for (const m of [...this.critics, ...this.targets]) m.dispose();
  }
}
