/**
 * DQN's learner: one Adam step per minibatch on the importance-weighted Huber TD loss of ./loss.ts
 * (double-Q, n-step targets computed outside the gradient tape), global grad-norm clipping, and the
 * target network updated every `targetUpdateInterval` env steps (hard copy, or Polyak with tau < 1, as
 * CleanRL dqn.py). Writes |TD| into the minibatch's `tdErrors` column when the iteration asks for it
 * (prioritized replay, ./off-policy-iteration.ts).
 *
 * Per step: 6 small uploads, ~3 fused matMuls per network pass, one readback (loss, norm, mean Q).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Fragment, Learner, LearnerState, LearnerStats, UpdateInfo } from '../../rl/algorithm.js';
import { requireTf } from '../../rl/backend/backend.js';
import { Mlp, type MlpSpec } from '../../rl/models/mlp.js';
import { type NamedWeights, validateNamedWeights } from '../../rl/models/named-weights.js';
import { TD_ERRORS } from '../../rl/off-policy/off-policy-iteration.js';
import { Adam } from '../../rl/optim/adam.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import type { SampleBatch } from '../../rl/sample-batch/sample-batch.js';
import { type DqnTraining, epsilonAt } from './config.js';
import { dqnLoss, dqnTarget, duelingQ } from './loss.js';
import { EPSILON, Q_NET, Q_TARGET, weightsUnder } from './model.js';

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

  update(fragments: readonly Fragment[], info: UpdateInfo): LearnerStats {
    this.envSteps = info.envSteps;
    const sums = { loss: 0, qMean: 0, gradNorm: 0, tdAbsMean: 0 };
    for (const f of fragments) {
      const r = this.step(f.batch);
      sums.loss += r.loss;
      sums.gradNorm += r.gradNorm;
      sums.qMean += r.metrics['qMean'] ?? 0;
      sums.tdAbsMean += r.metrics['tdAbsMean'] ?? 0;
    }
    this.gradSteps += fragments.length;
    let targetUpdated = 0;
    if (this.envSteps - this.lastTargetEnvSteps >= this.t.targetUpdateInterval) {
      // CleanRL dqn.py: target <- tau * online + (1 - tau) * target every target_network_frequency steps.
      if (this.t.tau >= 1) this.target.copyFrom(this.online);
      else this.target.polyakFrom(this.online, this.t.tau);
      this.lastTargetEnvSteps = this.envSteps;
      targetUpdated = 1;
    }
    const n = Math.max(1, fragments.length);
    return {
      loss: sums.loss / n,
      qMean: sums.qMean / n,
      tdAbsMean: sums.tdAbsMean / n,
      gradNorm: sums.gradNorm / n,
      epsilon: this.epsilon(),
      targetUpdated,
    };
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

  /** One Adam step on one minibatch. */
  private step(batch: SampleBatch) {
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
    const tdOut = batch.has(TD_ERRORS) ? batch.float32(TD_ERRORS) : undefined;
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
      return this.adam.step(() => {
        const terms = dqnLoss(
          tf,
          { qValues: this.q(this.online, obs), actions, targets, weights },
          this.t.huberDelta,
        );
        if (tdOut !== undefined) td = tf.keep(terms.tdErrors);
        return {
          loss: terms.loss,
          metrics: {
            qMean: tf.mean(terms.qTaken) as tfjs.Scalar,
            tdAbsMean: tf.mean(tf.abs(terms.tdErrors)) as tfjs.Scalar,
          },
        };
      });
    } finally {
      if (td !== undefined) {
        tdOut!.set(td.dataSync() as Float32Array);
        td.dispose();
      }
      for (const x of inputs) x.dispose();
    }
  }

  /** Epsilon for the runners: 1 (uniform acting) until the first gradient step, then the schedule. */
  private epsilon(): number {
    return this.gradSteps === 0 ? 1 : epsilonAt(this.t, this.envSteps);
  }

  getWeights(): NamedWeights {
    return [
      ...this.online.getWeights(),
      { name: EPSILON, shape: [1], data: Float32Array.of(this.epsilon()) },
    ];
  }

  getState(): LearnerState {
    const adam = this.adam.getState();
    return {
      weights: [...this.online.getWeights(), ...this.target.getWeights()],
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
    this.adam.dispose();
    this.online.dispose();
    this.target.dispose();
  }
}
