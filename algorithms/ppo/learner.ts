/**
 * PPO's learner: GAE over the runners' fragments, then `numEpochs` epochs of `numMinibatches` shuffled
 * minibatches, each one Adam step on the loss of ./loss.ts with global grad-norm clipping.
 *
 * Few kernel launches (tfjs costs ~3-5 us per op, FACTS.md): all weights live in ONE flat variable
 * `theta` [P] that the forward pass slices, so Adam and the norm clip run ~15 kernels per step instead
 * of ~15 per weight; biases ride in fused matMuls; everything a minibatch needs is uploaded in 5 tensors.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { SeededRng } from '../../envs/rng.js';
import type { Fragment, Learner, LearnerState, LearnerStats, UpdateInfo } from '../../rl/algorithm.js';
import { requireTf } from '../../rl/backend/backend.js';
import { type NamedWeights, shapeSize, validateNamedWeights } from '../../rl/models/named-weights.js';
import { Adam } from '../../rl/optim/adam.js';
import { computeGae, type GaeInput } from '../../rl/postprocessing/gae.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import { permutation } from '../../rl/sample-batch/sample-batch.js';
import { type PpoTraining, scheduled } from './config.js';
import { normalizeAdvantages, ppoLoss } from './loss.js';
import { type ActorCriticSpec, headSize, initActorCritic, LOG_STD, layersOf } from './model.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Options of {@link PpoLearner}. */
export interface PpoLearnerOptions {
  readonly spec: ActorCriticSpec;
  readonly training: PpoTraining;
  /** Env steps at which linear schedules reach 0. */
  readonly annealEnvSteps: number;
  /** Seeds the weights and the minibatch shuffles. */
  readonly seed: number;
}

/** The PPO learner (see the module comment). Requires `initBackend()` first. */
export class PpoLearner implements Learner {
  private readonly tf = requireTf();
  private readonly spec: ActorCriticSpec;
  private readonly t: PpoTraining;
  private readonly annealEnvSteps: number;
  private readonly layout: { name: string; shape: number[]; offset: number; size: number }[];
  private readonly theta: tfjs.Variable;
  private readonly adam: Adam;
  private readonly rng: SeededRng;
  private gradSteps = 0;

  constructor(options: PpoLearnerOptions) {
    this.spec = options.spec;
    this.t = options.training;
    this.annealEnvSteps = options.annealEnvSteps;
    this.rng = SeededRng.fromSeed(options.seed + 1);
    const init = initActorCritic(this.spec, options.seed);
    let offset = 0;
    this.layout = init.map((w) => {
      const size = shapeSize(w.shape);
      const entry = { name: w.name, shape: [...w.shape], offset, size };
      offset += size;
      return entry;
    });
    this.theta = this.tf.variable(this.tf.tensor1d(this.flatten(init)), true);
    // CleanRL's PPO uses Adam eps 1e-5 (37 details #3).
    this.adam = new Adam([this.theta], {
      learningRate: this.t.lr,
      epsilon: 1e-5,
      maxGradNorm: this.t.maxGradNorm,
      names: ['theta'],
    });
  }

  /** Number of parameters. */
  get numParams(): number {
    return this.theta.size;
  }

  update(fragments: readonly Fragment[], info: UpdateInfo): LearnerStats {
    const data = this.prepare(fragments);
    const B = data.count;
    const numMb = this.t.numMinibatches;
    const mbSize = Math.floor(B / numMb);
    const gradStepsPerUpdate = this.t.numEpochs * numMb;
    const lr = scheduled(this.t.lrSchedule, this.t.lr, info.envSteps, this.annealEnvSteps);
    const clipCoef = scheduled(this.t.clipSchedule, this.t.clipCoef, info.envSteps, this.annealEnvSteps);
    // The learning rate for this update, held constant within it as CleanRL does.
    this.adam.setSchedule({ type: 'linear', finalLearningRate: lr, durationSteps: 1 });
    const mb = allocMinibatch(mbSize, this.spec);
    const sums = { loss: 0, pgLoss: 0, vLoss: 0, entropy: 0, approxKl: 0, clipFrac: 0, gradNorm: 0 };
    let steps = 0;
    let stoppedEarly = 0;
    epochs: for (let epoch = 0; epoch < this.t.numEpochs; epoch++) {
      const perm = permutation(B, this.rng);
      for (let k = 0; k < numMb; k++) {
        gather(data, perm.subarray(k * mbSize, (k + 1) * mbSize), mb, this.spec);
        if (this.t.normAdvantages) normalizeAdvantages(mb.advantages);
        const r = this.step(mb, clipCoef);
        steps++;
        sums.loss += r.loss;
        sums.gradNorm += r.gradNorm;
        for (const name of ['pgLoss', 'vLoss', 'entropy', 'approxKl', 'clipFrac'] as const) {
          sums[name] += r.metrics[name] ?? 0;
        }
        if (this.t.targetKl !== undefined && (r.metrics['approxKl'] ?? 0) > this.t.targetKl) {
          stoppedEarly = 1;
          break epochs;
        }
      }
    }
    this.gradSteps += steps;
    const mean = (x: number) => (steps > 0 ? x / steps : 0);
    return {
      totalLoss: mean(sums.loss),
      policyLoss: mean(sums.pgLoss),
      vfLoss: mean(sums.vLoss),
      entropy: mean(sums.entropy),
      approxKl: mean(sums.approxKl),
      clipFrac: mean(sums.clipFrac),
      gradNorm: mean(sums.gradNorm),
      explainedVariance: explainedVariance(data.valuePreds, data.valueTargets),
      lr,
      clipCoef,
      gradSteps: steps,
      gradStepsPlanned: gradStepsPerUpdate,
      stoppedEarly,
    };
  }

  /** One Adam step on one minibatch. */
  private step(mb: Minibatch, clipCoef: number) {
    const tf = this.tf;
    const n = mb.advantages.length;
    const inputs: tfjs.Tensor[] = [];
    const upload = <T extends tfjs.Tensor>(t: T): T => {
      inputs.push(t);
      return t;
    };
    try {
      const obs = upload(tf.tensor2d(mb.obs, [n, this.spec.obsSize]));
      const actions = upload(tf.tensor2d(mb.actions, [n, headSize(this.spec.head)])); // one-hot or continuous [B, A]
      const oldLogProbs = upload(tf.tensor1d(mb.logProbs));
      const advantages = upload(tf.tensor1d(mb.advantages));
      const oldValues = upload(tf.tensor1d(mb.valuePreds));
      const returns = upload(tf.tensor1d(mb.valueTargets));
      return this.adam.step(() => {
        const w = this.weights();
        const { logProbs: newLogProbs, entropy } = this.logProbs(w, obs, actions);
        const newValues = tf.reshape(this.mlp(w, 'vf', obs), [n]) as tfjs.Tensor1D;
        const terms = ppoLoss(
          tf,
          { newLogProbs, oldLogProbs, advantages, newValues, oldValues, returns, entropy },
          {
            clipCoef,
            vfCoef: this.t.vfCoef,
            entCoef: this.t.entCoef,
            clipVLoss: this.t.clipVLoss,
            vfClipCoef: this.t.vfClipCoef,
          },
        );
        // Diagnostics (37 details #12), off the gradient path.
        const logRatio = tf.sub(newLogProbs, oldLogProbs);
        const ratio = tf.exp(logRatio);
        const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tfjs.Scalar;
        const clipFrac = tf.mean(
          tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipCoef), 'float32'),
        ) as tfjs.Scalar;
        return {
          loss: terms.loss,
          metrics: {
            pgLoss: terms.pgLoss,
            vLoss: terms.vLoss,
            entropy: terms.entropyLoss,
            approxKl,
            clipFrac,
          },
        };
      });
    } finally {
      for (const t of inputs) t.dispose();
    }
  }

  /** The weights as tensors sliced out of theta (inside a tape: gradients flow back to theta). */
  private weights(): Map<string, tfjs.Tensor> {
    const tf = this.tf;
    const out = new Map<string, tfjs.Tensor>();
    for (const l of this.layout)
      out.set(l.name, tf.reshape(tf.slice(this.theta, [l.offset], [l.size]), l.shape));
    return out;
  }

  /** Forward through the actor ('pi') or critic ('vf') stack. [B, out] */
  private mlp(w: Map<string, tfjs.Tensor>, prefix: 'pi' | 'vf', x: tfjs.Tensor2D): tfjs.Tensor2D {
    const tf = this.tf;
    const layers = layersOf(this.spec)[prefix === 'pi' ? 'actor' : 'critic'];
    let h = x;
    layers.forEach((l, i) => {
      const last = i === layers.length - 1;
      const act = this.spec.activation;
      const fused = act === 'relu' || act === 'elu' || act === 'sigmoid' || act === 'linear';
      h = tf.fused.matMul({
        a: h,
        b: w.get(l.kernel)!,
        bias: w.get(l.bias)!,
        activation: last || !fused ? 'linear' : act,
      }) as tfjs.Tensor2D;
      if (!last && !fused) h = tf.tanh(h);
    });
    return h;
  }

  /** log pi(a|s) and the entropy for the minibatch's actions. [B] each */
  private logProbs(w: Map<string, tfjs.Tensor>, obs: tfjs.Tensor2D, actions: tfjs.Tensor2D) {
    const tf = this.tf;
    const head = this.mlp(w, 'pi', obs); // [B, A]
    if (this.spec.head.kind === 'categorical') {
      // sum(logSoftmax * oneHot) instead of gather: gather has no gradient on wasm (FACTS.md).
      const logp = tf.logSoftmax(head);
      const logProbs = tf.sum(tf.mul(logp, actions), 1) as tfjs.Tensor1D;
      const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tfjs.Tensor1D;
      return { logProbs, entropy };
    }
    const k = this.spec.head.actionSize;
    const logStd = w.get(LOG_STD) as tfjs.Tensor1D;
    // log N(a; mu, sigma) = -0.5 ((a - mu) / sigma)^2 - log sigma - 0.5 log(2 pi), summed over dims.
    const z = tf.mul(tf.sub(actions, head), tf.exp(tf.neg(logStd)));
    const sumLogStd = tf.sum(logStd);
    const logProbs = tf.sub(
      tf.mul(-0.5, tf.sum(tf.square(z), 1)),
      tf.add(sumLogStd, k * HALF_LOG_2PI),
    ) as tfjs.Tensor1D;
    // Entropy of a diagonal Gaussian: sum(log sigma) + k (0.5 + 0.5 log(2 pi)), the same for every row.
    const entropy = tf.reshape(tf.add(sumLogStd, k * (0.5 + HALF_LOG_2PI)), [1]) as tfjs.Tensor1D;
    return { logProbs, entropy };
  }

  /** GAE per fragment, then one flat train batch. */
  private prepare(fragments: readonly Fragment[]): TrainData {
    const parts = fragments.map((f) => {
      const b = f.batch;
      const input: GaeInput = {
        numSteps: b.count / f.numEnvs,
        numEnvs: f.numEnvs,
        rewards: b.float32(Columns.REWARDS),
        valuePreds: b.float32(Columns.VALUE_PREDS),
        terminated: b.uint8(Columns.TERMINATED),
        truncated: b.uint8(Columns.TRUNCATED),
        gamma: this.t.gamma,
        gaeLambda: this.t.gaeLambda,
      };
      if (f.lastValues !== undefined) input.lastValues = f.lastValues;
      if (b.has(Columns.FINAL_VALUE_PREDS)) input.finalValuePreds = b.float32(Columns.FINAL_VALUE_PREDS);
      return { b, gae: computeGae(input) };
    });
    const count = parts.reduce((n, p) => n + p.b.count, 0);
    const A = headSize(this.spec.head);
    const data: TrainData = {
      count,
      obs: new Float32Array(count * this.spec.obsSize),
      actions: new Float32Array(count * (this.spec.head.kind === 'categorical' ? 1 : A)),
      logProbs: new Float32Array(count),
      valuePreds: new Float32Array(count),
      advantages: new Float32Array(count),
      valueTargets: new Float32Array(count),
    };
    let row = 0;
    for (const { b, gae } of parts) {
      data.obs.set(b.float32(Columns.OBS), row * this.spec.obsSize);
      const acts = b.get(Columns.ACTIONS);
      data.actions.set(acts as ArrayLike<number>, row * (data.actions.length / count));
      data.logProbs.set(b.float32(Columns.LOG_PROBS), row);
      data.valuePreds.set(b.float32(Columns.VALUE_PREDS), row);
      data.advantages.set(gae.advantages, row);
      data.valueTargets.set(gae.valueTargets, row);
      row += b.count;
    }
    return data;
  }

  getWeights(): NamedWeights {
    const flat = this.theta.dataSync() as Float32Array;
    return this.layout.map((l) => ({
      name: l.name,
      shape: l.shape,
      data: flat.slice(l.offset, l.offset + l.size),
    }));
  }

  getState(): LearnerState {
    const adam = this.adam.getState();
    return {
      weights: this.getWeights(),
      optimizer: [...adam.m, ...adam.v],
      extra: { adamStepCount: adam.stepCount, gradSteps: this.gradSteps, rng: this.rng.getState() },
    };
  }

  setState(state: LearnerState): void {
    const weights = validateNamedWeights(state.weights, 'learner.weights', this.layout);
    const [m, v] = [state.optimizer.slice(0, 1), state.optimizer.slice(1, 2)];
    this.adam.setState({ format: 'tsrl-adam/1', stepCount: state.extra['adamStepCount'], m, v });
    this.theta.assign(this.tf.tensor1d(this.flatten(weights)));
    this.gradSteps = Number(state.extra['gradSteps'] ?? 0);
    this.rng.setState(state.extra['rng']);
  }

  dispose(): void {
    this.adam.dispose();
    this.theta.dispose();
  }

  private flatten(weights: NamedWeights): Float32Array {
    const out = new Float32Array(this.layout.reduce((n, l) => n + l.size, 0));
    weights.forEach((w, i) => {
      out.set(w.data, this.layout[i]!.offset);
    });
    return out;
  }
}

/** The whole train batch, flat. */
interface TrainData {
  count: number;
  obs: Float32Array; // [B, D]
  actions: Float32Array; // [B] indexes (discrete) or [B, k]
  logProbs: Float32Array; // [B]
  valuePreds: Float32Array; // [B]
  advantages: Float32Array; // [B]
  valueTargets: Float32Array; // [B]
}

/** One minibatch, as uploaded. */
interface Minibatch {
  obs: Float32Array; // [b, D]
  actions: Float32Array; // [b, A]: one-hot for discrete
  logProbs: Float32Array;
  valuePreds: Float32Array;
  advantages: Float32Array;
  valueTargets: Float32Array;
}

function allocMinibatch(n: number, spec: ActorCriticSpec): Minibatch {
  return {
    obs: new Float32Array(n * spec.obsSize),
    actions: new Float32Array(n * headSize(spec.head)),
    logProbs: new Float32Array(n),
    valuePreds: new Float32Array(n),
    advantages: new Float32Array(n),
    valueTargets: new Float32Array(n),
  };
}

function gather(d: TrainData, rows: Uint32Array, mb: Minibatch, spec: ActorCriticSpec): void {
  const D = spec.obsSize;
  const A = headSize(spec.head);
  const oneHot = spec.head.kind === 'categorical';
  if (oneHot) mb.actions.fill(0);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    mb.obs.set(d.obs.subarray(r * D, (r + 1) * D), i * D);
    if (oneHot) mb.actions[i * A + d.actions[r]!] = 1;
    else mb.actions.set(d.actions.subarray(r * A, (r + 1) * A), i * A);
    mb.logProbs[i] = d.logProbs[r]!;
    mb.valuePreds[i] = d.valuePreds[r]!;
    mb.advantages[i] = d.advantages[r]!;
    mb.valueTargets[i] = d.valueTargets[r]!;
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
