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
import type { Fragment, Learner, LearnerState, LearnerStats, UpdateInfo } from '../../rl/algorithm.js';
import { requireTf } from '../../rl/backend/backend.js';
import { SquashedGaussian } from '../../rl/distributions/squashed-gaussian.js';
import { Mlp, type MlpSpec } from '../../rl/models/mlp.js';
import { type NamedWeights, validateNamedWeights } from '../../rl/models/named-weights.js';
import { Adam } from '../../rl/optim/adam.js';
import { DeviceStats } from '../../rl/optim/device-stats.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import type { SampleBatch } from '../../rl/sample-batch/sample-batch.js';
import type { SacTraining } from './config.js';
import { defaultTargetEntropy, sacActorLoss, sacAlphaLoss, sacCriticLoss, sacTarget } from './loss.js';
import { ACTOR, CRITIC_TARGETS, CRITICS, LOG_STD_MAX, LOG_STD_MIN, type SacActionSpec } from './model.js';

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
    const half = 0.5 * (LOG_STD_MAX - LOG_STD_MIN);
    const logStd = tf.add(tf.mul(tf.tanh(raw), half), LOG_STD_MIN + half); // in [MIN, MAX]
    return new SquashedGaussian(mean, logStd, this.action.bounds);
  }

  /** min(Q1, Q2)(s, a) [B] of a critic pair. */
  private qMin(pair: readonly [Mlp, Mlp], obs: tfjs.Tensor2D, actions: tfjs.Tensor2D): tfjs.Tensor1D {
    const tf = this.tf;
    const x = tf.concat([obs, actions], 1) as tfjs.Tensor2D; // [B, D + A]
    return tf.reshape(tf.minimum(pair[0].apply(x), pair[1].apply(x)), [-1]) as tfjs.Tensor1D;
  }

  private noise(B: number): tfjs.Tensor2D {
    const A = this.action.actionSize;
    const z = new Float32Array(B * A);
    for (let i = 0; i < z.length; i++) z[i] = this.rng.normal();
    return this.tf.tensor2d(z, [B, A]);
  }

  /** One SAC gradient step on one minibatch; its numbers go to {@link stats}, nothing is read back. */
  private step(batch: SampleBatch): void {
    const tf = this.tf;
    const B = batch.count;
    const D = this.actor.spec.inputSize;
    const A = this.action.actionSize;
    const obs = tf.tensor2d(batch.float32(Columns.OBS), [B, D]);
    const nextObs = tf.tensor2d(batch.float32(Columns.NEXT_OBS), [B, D]);
    const actions = tf.tensor2d(batch.float32(Columns.ACTIONS), [B, A]);
    const nextNoise = this.noise(B);
    const noise = this.noise(B);
    // alpha as of the start of the step, a constant in every loss but the temperature's.
    const alpha = tf.exp(this.logAlpha) as tfjs.Scalar;
    const inputs: tfjs.Tensor[] = [obs, nextObs, actions, nextNoise, noise, alpha];
    let logProbs: tfjs.Tensor1D | undefined;
    try {
      const targets = tf.tidy(() => {
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
      inputs.push(targets);
      const critic = this.criticAdam.step(() => {
        const x = tf.concat([obs, actions], 1) as tfjs.Tensor2D;
        const q1 = tf.reshape(this.critics[0].apply(x), [B]) as tfjs.Tensor1D;
        const q2 = tf.reshape(this.critics[1].apply(x), [B]) as tfjs.Tensor1D;
        return { loss: sacCriticLoss(tf, q1, q2, targets), metrics: { qMean: tf.mean(q1) as tfjs.Scalar } };
      });
      this.stats.add(critic, 'critic.');
      const actor = this.actorAdam.step(() => {
        const { actions: a, logProb } = this.policy(obs).rsample(noise);
        logProbs = tf.keep(logProb);
        const loss = sacActorLoss(tf, logProb, this.qMin(this.critics, obs, a), alpha);
        return { loss, metrics: { logProbMean: tf.mean(logProb) as tfjs.Scalar } };
      });
      this.stats.add(actor, 'actor.');
      // The temperature step sees the log-probs of the actor step (before its update), as constants.
      if (this.t.autoEntropy) {
        const lp = logProbs!;
        this.alphaAdam
          .step(() => sacAlphaLoss(tf, this.logAlpha as tfjs.Scalar, lp, this.targetEntropy))
          .values.dispose();
      }
      this.stats.add({
        names: ['alpha'],
        values: tf.tidy(() => tf.reshape(tf.exp(this.logAlpha), [1]) as tfjs.Tensor1D),
      });
      this.gradSteps += 1;
      if (this.gradSteps % this.t.targetUpdateInterval === 0) {
        this.targets[0].polyakFrom(this.critics[0], this.t.tau);
        this.targets[1].polyakFrom(this.critics[1], this.t.tau);
      }
    } finally {
      logProbs?.dispose();
      for (const x of inputs) x.dispose();
    }
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
    this.stats.dispose();
    this.alphaAdam.dispose();
    this.logAlpha.dispose();
    this.actorAdam.dispose();
    this.criticAdam.dispose();
    this.actor.dispose();
    for (const m of [...this.critics, ...this.targets]) m.dispose();
  }
}
