/**
 * DQN's learner: one Adam step per minibatch on the importance-weighted Huber TD loss of ./loss.ts
 * (double-Q, n-step targets computed outside the gradient tape), global grad-norm clipping, and the
 * target network updated every `targetUpdateInterval` env steps (hard copy, or Polyak with tau < 1, as
 * CleanRL dqn.py). `updateWithTdErrors` also returns each row's TD error, from which prioritized replay
 * computes new priorities (rl/off-policy/off-policy-iteration.ts).
 *
 * Per step: 6 small uploads, ~3 fused matMuls per network pass, nothing read back: statistics are summed
 * on the device and read once per update, asynchronously (TD errors too, when asked for).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type {
  Fragment,
  GradientResult,
  Learner,
  LearnerState,
  LearnerStats,
  TdUpdateResult,
  UpdateInfo,
} from '../../rl/algorithm.js';
import { requireTf } from '../../rl/backend/backend.js';
import { Mlp, type MlpSpec } from '../../rl/models/mlp.js';
import { type NamedWeights, validateNamedWeights } from '../../rl/models/named-weights.js';
import { Adam, averageGradients, type LossOutput } from '../../rl/optim/adam.js';
import { DeviceStats } from '../../rl/optim/device-stats.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import type { SampleBatch } from '../../rl/sample-batch/sample-batch.js';
import type { DqnTraining } from './config.js';
import { dqnLoss, dqnTarget, duelingQ } from './loss.js';
import { Q_NET, Q_TARGET, weightsUnder } from './model.js';

/** Options of {@link DqnLearner}. */
export interface DqnLearnerOptions {
  /** The Q-network ({@link qNetSpec}). */
  readonly spec: MlpSpec;
  readonly numActions: number;
  readonly training: DqnTraining;
  /** Seeds the initial weights. */
  readonly seed: number;
}

/** The DQN learner (see the module comment). Requires `initBackend()` first. */
export class DqnLearner implements Learner {
  private readonly tf = requireTf();
  private readonly t: DqnTraining;
  private readonly spec: MlpSpec;
  private readonly numActions: number;
  private readonly online: Mlp;
  private readonly target: Mlp;
  private readonly adam: Adam;
  private readonly stats = new DeviceStats();
  private gradSteps = 0;
  /** Lifetime env steps at the last update, and at the last target update. */
  private envSteps = 0;
  private lastTargetEnvSteps = 0;

  constructor(options: DqnLearnerOptions) {
    this.t = options.training;
    this.spec = options.spec;
    this.numActions = options.numActions;
    const mlp = (name: string) => new Mlp({ ...this.spec, seed: options.seed, name });
    this.online = mlp(Q_NET);
    this.target = mlp(Q_TARGET);
    this.target.copyFrom(this.online);
    this.adam = new Adam(this.online.variables, {
      learningRate: this.t.lr,
      maxGradNorm: this.t.maxGradNorm,
      names: this.online.weightSpecs().map((s) => s.name),
    });
  }

  async update(fragments: readonly Fragment[], info: UpdateInfo): Promise<LearnerStats> {
    this.envSteps = info.envSteps;
    for (const f of fragments) {
      const { step } = await this.withLoss(f.batch, false, (lossFn) => this.adam.step(lossFn));
      this.stats.add(step);
    }
    this.gradSteps += fragments.length;
    const targetUpdated = this.maybeUpdateTarget();
    return { ...this.statsOf(await this.stats.takeMeans()), targetUpdated };
  }

  /** One update on one minibatch; returns the TD error of every row (before the update). */
  async updateWithTdErrors(batch: SampleBatch, info: UpdateInfo): Promise<TdUpdateResult> {
    this.envSteps = info.envSteps;
    const { step, td } = await this.withLoss(batch, true, (lossFn) => this.adam.step(lossFn));
    this.stats.add(step);
    this.gradSteps += 1;
    const targetUpdated = this.maybeUpdateTarget();
    try {
      const [means, tdErrors] = await Promise.all([this.stats.takeMeans(), td!.data()]);
      return {
        stats: { ...this.statsOf(means), targetUpdated },
        tdErrors: Float32Array.from(tdErrors as Float32Array),
      };
    } finally {
      td!.dispose();
    }
  }

  /** The reported statistics from the means of the steps' numbers (0 when there were no steps). */
  private statsOf(means: Record<string, number>): LearnerStats {
    return {
      loss: means['loss'] ?? 0,
      qMean: means['qMean'] ?? 0,
      tdAbsMean: means['tdAbsMean'] ?? 0,
      gradNorm: means['gradNorm'] ?? 0,
    };
  }

  /** Updates the target network when `targetUpdateInterval` env steps have passed; 1 when it did. */
  private maybeUpdateTarget(): number {
    if (this.envSteps - this.lastTargetEnvSteps < this.t.targetUpdateInterval) return 0;
    // CleanRL dqn.py: target <- tau * online + (1 - tau) * target every target_network_frequency steps.
    if (this.t.tau >= 1) this.target.copyFrom(this.online);
    else this.target.polyakFrom(this.online, this.t.tau);
    this.lastTargetEnvSteps = this.envSteps;
    return 1;
  }

  /** Q(s, .) [B, A] of a network. */
  private q(net: Mlp, x: tfjs.Tensor2D): tfjs.Tensor2D {
    const tf = this.tf;
    const head = net.apply(x);
    if (this.spec.outputSize === this.numActions) return head;
    const B = x.shape[0];
    const value = tf.slice(head, [0, 0], [B, 1]) as tfjs.Tensor2D; // [B, 1]
    const advantages = tf.slice(head, [0, 1], [B, this.numActions]) as tfjs.Tensor2D; // [B, A]
    return duelingQ(tf, value, advantages);
  }

  /**
   * Data-parallel half step (Learner.computeGradients): the gradients of the mean loss over this
   * learner's shard of the minibatch, with its TD errors; nothing is updated.
   */
  async computeGradients(batch: SampleBatch, info: UpdateInfo): Promise<GradientResult> {
    this.envSteps = info.envSteps;
    const { step, td } = await this.withLoss(batch, true, (lossFn) => this.adam.computeGradients(lossFn));
    try {
      const r = await step;
      return {
        grads: r.grads,
        stats: { loss: r.loss, qMean: r.metrics['qMean'] ?? 0, tdAbsMean: r.metrics['tdAbsMean'] ?? 0 },
        tdErrors: Float32Array.from((await td!.data()) as Float32Array),
      };
    } finally {
      td!.dispose();
    }
  }

  /**
   * Data-parallel other half (Learner.applyGradients): applies the mean of every learner's gradients
   * (the same list, in the same order, on every replica, so the replicas stay identical), then the
   * target update as {@link update} does.
   */
  async applyGradients(results: readonly GradientResult[], info: UpdateInfo): Promise<LearnerStats> {
    this.envSteps = info.envSteps;
    const gradNorm = await this.adam.applyNamedGradients(averageGradients(results.map((r) => r.grads)));
    this.gradSteps += 1;
    return { gradNorm, targetUpdated: this.maybeUpdateTarget() };
  }

  /**
   * Builds the loss of one minibatch and hands it to `run` (an Adam step, or gradients only), which
   * must evaluate the loss before it returns (a returned promise may still be reading). With `withTd`
   * also returns the rows' TD errors [B] on the device: the caller reads and disposes them.
   */
  private async withLoss<R>(
    batch: SampleBatch,
    withTd: boolean,
    run: (lossFn: () => LossOutput) => R,
  ): Promise<{ step: R; td: tfjs.Tensor | undefined }> {
    const tf = this.tf;
    const B = batch.count;
    const D = this.spec.inputSize;
    const terminated = Float32Array.from(batch.uint8(Columns.TERMINATED));
    const obs = tf.tensor2d(batch.float32(Columns.OBS), [B, D]);
    const nextObs = tf.tensor2d(batch.float32(Columns.NEXT_OBS), [B, D]);
    const actions = tf.tensor1d(batch.int32(Columns.ACTIONS), 'int32');
    const weights: tfjs.Tensor1D = batch.has(Columns.WEIGHTS)
      ? tf.tensor1d(batch.float32(Columns.WEIGHTS))
      : tf.ones([B]);
    const inputs: tfjs.Tensor[] = [obs, nextObs, actions, weights];
    let td: tfjs.Tensor | undefined;
    try {
      const targets = tf.tidy(() =>
        dqnTarget(tf, {
          nStepRewards: tf.tensor1d(batch.float32(Columns.REWARDS)),
          terminated: tf.tensor1d(terminated),
          discounts: batch.has(Columns.DISCOUNTS)
            ? tf.tensor1d(batch.float32(Columns.DISCOUNTS))
            : tf.fill([B], this.t.gamma),
          nextQTarget: this.q(this.target, nextObs),
          ...(this.t.doubleQ ? { nextQOnline: this.q(this.online, nextObs) } : {}),
        }),
      );
      inputs.push(targets);
      const result = run(() => {
        const terms = dqnLoss(
          tf,
          { qValues: this.q(this.online, obs), actions, targets, weights },
          this.t.huberDelta,
        );
        if (withTd) td = tf.keep(terms.tdErrors);
        return {
          loss: terms.loss,
          metrics: {
            qMean: tf.mean(terms.qTaken) as tfjs.Scalar,
            tdAbsMean: tf.mean(tf.abs(terms.tdErrors)) as tfjs.Scalar,
          },
        };
      });
      return { step: result, td };
    } catch (error) {
      td?.dispose();
      throw error;
    } finally {
      for (const x of inputs) x.dispose();
    }
  }

  getWeights(): Promise<NamedWeights> {
    return this.online.readWeights();
  }

  async getState(): Promise<LearnerState> {
    const [online, target, adam] = await Promise.all([
      this.online.readWeights(),
      this.target.readWeights(),
      this.adam.readState(),
    ]);
    return {
      weights: [...online, ...target],
      optimizer: [...adam.m, ...adam.v],
      extra: {
        adamStepCount: adam.stepCount,
        gradSteps: this.gradSteps,
        envSteps: this.envSteps,
        lastTargetEnvSteps: this.lastTargetEnvSteps,
      },
    };
  }

  setState(state: LearnerState): void {
    const weights = validateNamedWeights(state.weights, 'learner.weights');
    this.online.setWeights(weightsUnder(weights, Q_NET));
    this.target.setWeights(weightsUnder(weights, Q_TARGET));
    const n = this.online.variables.length;
    const opt = state.optimizer;
    this.adam.setState({
      format: 'tsrl-adam/1',
      stepCount: state.extra['adamStepCount'],
      m: opt.slice(0, n),
      v: opt.slice(n, 2 * n),
    });
    for (const key of ['gradSteps', 'envSteps', 'lastTargetEnvSteps'] as const) {
      const v = state.extra[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new TypeError(`DqnLearner.setState: extra.${key} (${String(v)}) must be a number.`);
      }
    }
    this.gradSteps = state.extra['gradSteps'] as number;
    this.envSteps = state.extra['envSteps'] as number;
    this.lastTargetEnvSteps = state.extra['lastTargetEnvSteps'] as number;
  }

  dispose(): void {
    this.stats.dispose();
    this.adam.dispose();
    this.online.dispose();
    this.target.dispose();
  }
}
