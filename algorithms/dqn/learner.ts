/**
 * DQN's learner: one Adam step per minibatch on the importance-weighted Huber TD loss of ./loss.ts
 * (double-Q, n-step targets), global grad-norm clipping, and the target network updated every
 * `targetUpdateInterval` env steps (hard copy, or Polyak with tau < 1, as CleanRL dqn.py). Writes |TD|
 * into the minibatch's `tdErrors` column when the iteration asks for it (prioritized replay,
 * rl/off-policy/off-policy-iteration.ts).
 *
 * The arithmetic runs in plain JS (rl/models/js-mlp-trainer.ts): for these tiny networks a tfjs-wasm
 * step costs ~3.5 ms of per-op overhead, the JS step a fraction of that. The loss gradient at the
 * Q-values is written out here (the derivative of ./loss.ts's functions, checked against tfjs autodiff
 * of them in test/algorithms/dqn/learner.test.ts).
 */
import type { Fragment, Learner, LearnerState, LearnerStats, UpdateInfo } from '../../rl/algorithm.js';
import { JsMlpTrainer } from '../../rl/models/js-mlp-trainer.js';
import type { MlpSpec } from '../../rl/models/mlp.js';
import { type NamedWeights, validateNamedWeights } from '../../rl/models/named-weights.js';
import { TD_ERRORS } from '../../rl/off-policy/off-policy-iteration.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import type { SampleBatch } from '../../rl/sample-batch/sample-batch.js';
import { type DqnTraining, epsilonAt } from './config.js';
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

/** Numbers of one gradient step. */
interface StepResult {
  readonly loss: number;
  readonly gradNorm: number;
  readonly qMean: number;
  readonly tdAbsMean: number;
}

/** The DQN learner (see the module comment). Needs no tensor backend. */
export class DqnLearner implements Learner {
  private readonly t: DqnTraining;
  private readonly spec: MlpSpec;
  private readonly numActions: number;
  private readonly dueling: boolean;
  private readonly online: JsMlpTrainer;
  /** The target network's parameters, in the online trainer's layout. */
  private readonly target: Float32Array;
  private gradSteps = 0;
  /** Lifetime env steps at the last update, and at the last target update. */
  private envSteps = 0;
  private lastTargetEnvSteps = 0;
  // Scratch, grown to the batch size.
  private q = new Float64Array(0);
  private nextQOnline = new Float64Array(0);
  private nextQTarget = new Float64Array(0);
  private dHead = new Float64Array(0);

  constructor(options: DqnLearnerOptions) {
    this.t = options.training;
    this.spec = options.spec;
    this.numActions = options.numActions;
    this.dueling = this.spec.outputSize !== this.numActions;
    this.online = new JsMlpTrainer({ ...this.spec, seed: options.seed, name: Q_NET });
    this.target = this.online.params.slice();
  }

  update(fragments: readonly Fragment[], info: UpdateInfo): LearnerStats {
    this.envSteps = info.envSteps;
    const sums = { loss: 0, qMean: 0, gradNorm: 0, tdAbsMean: 0 };
    for (const f of fragments) {
      const r = this.step(f.batch);
      sums.loss += r.loss;
      sums.gradNorm += r.gradNorm;
      sums.qMean += r.qMean;
      sums.tdAbsMean += r.tdAbsMean;
    }
    this.gradSteps += fragments.length;
    let targetUpdated = 0;
    if (this.envSteps - this.lastTargetEnvSteps >= this.t.targetUpdateInterval) {
      // CleanRL dqn.py: target <- tau * online + (1 - tau) * target every target_network_frequency steps.
      this.online.polyakInto(this.target, this.t.tau);
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

  /** Q(s, .) [B, A] from the network head [B, outputSize] into `out` (./loss.ts `duelingQ` when dueling). */
  private qFromHead(head: Float64Array, B: number, out: Float64Array): void {
    const A = this.numActions;
    if (!this.dueling) {
      out.set(head.subarray(0, B * A));
      return;
    }
    const W = A + 1;
    for (let b = 0; b < B; b++) {
      let mean = 0;
      for (let a = 0; a < A; a++) mean += head[b * W + 1 + a]!;
      mean /= A;
      const v = head[b * W]!;
      for (let a = 0; a < A; a++) out[b * A + a] = v + head[b * W + 1 + a]! - mean;
    }
  }

  private ensureScratch(B: number): void {
    const A = this.numActions;
    if (this.q.length >= B * A) return;
    this.q = new Float64Array(B * A);
    this.nextQOnline = new Float64Array(B * A);
    this.nextQTarget = new Float64Array(B * A);
    this.dHead = new Float64Array(B * this.spec.outputSize);
  }

  /** One Adam step on one minibatch. */
  private step(batch: SampleBatch): StepResult {
    const B = batch.count;
    const A = this.numActions;
    const t = this.t;
    this.ensureScratch(B);
    const obs = batch.float32(Columns.OBS);
    const nextObs = batch.float32(Columns.NEXT_OBS);
    const actions = batch.int32(Columns.ACTIONS);
    const rewards = batch.float32(Columns.REWARDS);
    const terminated = batch.uint8(Columns.TERMINATED);
    const discounts = batch.has(Columns.DISCOUNTS) ? batch.float32(Columns.DISCOUNTS) : undefined;
    const weights = batch.has(Columns.WEIGHTS) ? batch.float32(Columns.WEIGHTS) : undefined;
    const tdOut = batch.has(TD_ERRORS) ? batch.float32(TD_ERRORS) : undefined;
    const { q, nextQOnline, nextQTarget, dHead } = this;
    // Targets (./loss.ts dqnTarget): no gradient flows through them.
    this.qFromHead(this.online.forwardWith(this.target, nextObs, B), B, nextQTarget);
    if (t.doubleQ) this.qFromHead(this.online.forward(nextObs, B), B, nextQOnline);
    const selector = t.doubleQ ? nextQOnline : nextQTarget;
    // The online pass on s last: backward uses its cached activations.
    this.qFromHead(this.online.forward(obs, B), B, q);
    const delta = t.huberDelta;
    const W = this.spec.outputSize;
    dHead.fill(0, 0, B * W);
    let loss = 0;
    let qSum = 0;
    let tdAbsSum = 0;
    for (let b = 0; b < B; b++) {
      let best = 0;
      for (let a = 1; a < A; a++) if (selector[b * A + a]! > selector[b * A + best]!) best = a;
      const discount = discounts === undefined ? t.gamma : discounts[b]!;
      const y = rewards[b]! + discount * (1 - terminated[b]!) * nextQTarget[b * A + best]!;
      const action = actions[b]!;
      const qTaken = q[b * A + action]!;
      const td = y - qTaken;
      if (tdOut !== undefined) tdOut[b] = td;
      const w = weights === undefined ? 1 : weights[b]!;
      const absTd = Math.abs(td);
      const quadratic = Math.min(absTd, delta);
      loss += w * (0.5 * quadratic * quadratic + delta * (absTd - quadratic));
      qSum += qTaken;
      tdAbsSum += absTd;
      // d mean(w huber(y - Q)) / dQ(s, a) = -w clip(td, -delta, delta) / B
      const dq = (-w * Math.max(-delta, Math.min(delta, td))) / B;
      if (!this.dueling) dHead[b * W + action] = dq;
      else {
        // Q_a = V + A_a - mean(A): dV = sum_a dQ_a, dA_k = dQ_k - mean_a dQ_a.
        dHead[b * W] = dq;
        for (let a = 0; a < A; a++) dHead[b * W + 1 + a] = (a === action ? dq : 0) - dq / A;
      }
    }
    this.online.backward(dHead);
    const gradNorm = this.online.adamStep({
      learningRate: t.lr,
      maxGradNorm: t.maxGradNorm,
    });
    return { loss: loss / B, gradNorm, qMean: qSum / B, tdAbsMean: tdAbsSum / B };
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
    const adam = this.online.getAdamState();
    return {
      weights: [...this.online.getWeights(), ...this.online.getWeights(this.target, Q_TARGET)],
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
    const opt = validateNamedWeights(state.optimizer, 'learner.optimizer');
    const n = opt.length / 2;
    this.online.setAdamState(opt.slice(0, n), opt.slice(n), state.extra['adamStepCount']);
    for (const key of ['gradSteps', 'envSteps', 'lastTargetEnvSteps'] as const) {
      const v = state.extra[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new TypeError(`DqnLearner.setState: extra.${key} (${String(v)}) must be a number.`);
      }
    }
    this.online.setWeights(weightsUnder(weights, Q_NET));
    this.online.setWeights(weightsUnder(weights, Q_TARGET), this.target, Q_TARGET);
    this.gradSteps = state.extra['gradSteps'] as number;
    this.envSteps = state.extra['envSteps'] as number;
    this.lastTargetEnvSteps = state.extra['lastTargetEnvSteps'] as number;
  }

  dispose(): void {}
}
