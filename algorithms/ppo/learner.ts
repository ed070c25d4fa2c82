/**
 * PPO's learner: GAE over the runners' fragments, then `numEpochs` epochs of `numMinibatches` shuffled
 * minibatches, each one Adam step on the loss of ./loss.ts with global grad-norm clipping.
 *
 * Few kernel launches (tfjs costs ~3-5 us per op, docs/measurements.md): the weights live in one flat JS array
 * `theta` [P] with a plain-JS Adam (./flat-adam.ts: ~10 flops per weight, no kernels); per minibatch
 * the forward pass and the dense-layer backward pass run in tfjs (matMuls with fused biases) and the
 * loss gradient at the outputs is computed in closed form in JS (./loss-grad.ts), ~60 kernels in all.
 * Activations without a hand-written derivative fall back to tfjs autodiff of ./loss.ts.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { SeededRng } from '../../envs/rng.js';
import type { Fragment, Learner, LearnerState, LearnerStats, UpdateInfo } from '../../rl/algorithm.js';
import { requireTf } from '../../rl/backend/backend.js';
import { type NamedWeights, shapeSize, validateNamedWeights } from '../../rl/models/named-weights.js';
import { computeGae, type GaeInput } from '../../rl/postprocessing/gae.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import { permutation } from '../../rl/sample-batch/sample-batch.js';
import { type PpoTraining, scheduled } from './config.js';
import { FlatAdam } from './flat-adam.js';
import { type FlatDense, JsStackBackprop } from './js-mlp-backprop.js';
import { normalizeAdvantages, type PpoLossCoefs, type PpoLossTerms, ppoLoss, ppoStats } from './loss.js';
import { type HeadGrads, ppoHeadGrads } from './loss-grad.js';
import { backwardStack, forwardStack, hasManualBackprop } from './mlp-backprop.js';
import { type ActorCriticSpec, headSize, initActorCritic, LOG_STD, layersOf } from './model.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Largest model (weights) that trains with plain-JS gradients by default on the tfjs cpu backend:
 * plain JS beats tfjs cpu's kernels several times over on small MLPs.
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
   * `js`: closed-form output gradients + hand-written backprop in plain JS (./js-mlp-backprop.ts: no
   * kernels); `manual`: the same with the dense layers in tfjs; `autodiff`: tfjs gradients of ./loss.ts
   * (the reference). Measured on PPO's CartPole net (2.5k weights, 256 rows, CPU time per gradient
   * step): js ~1.2-1.7 ms, manual on wasm (SIMD) ~1.3-1.8 ms, manual on tfjs cpu ~6 ms.
   * @default 'js' for at most {@link JS_MAX_PARAMS} weights on the tfjs cpu backend, else 'manual';
   * 'autodiff' where the activation has no hand-written derivative
   */
  readonly gradients?: 'js' | 'manual' | 'autodiff';
}

/** The PPO learner (see the module comment). Requires `initBackend()` first. */
export class PpoLearner implements Learner {
  private readonly tf = requireTf();
  private readonly spec: ActorCriticSpec;
  private readonly t: PpoTraining;
  private readonly annealEnvSteps: number;
  private readonly layout: { name: string; shape: number[]; offset: number; size: number }[];
  private readonly layers: ReturnType<typeof layersOf>;
  /** All weights, flat, in layout order. [P] */
  private readonly theta: Float32Array;
  private readonly adam: FlatAdam;
  private readonly grad: Float32Array;
  private readonly rng: SeededRng;
  private readonly mode: 'js' | 'manual' | 'autodiff';
  private readonly jsActor: JsStackBackprop | undefined;
  private readonly jsCritic: JsStackBackprop | undefined;
  private gradSteps = 0;

  constructor(options: PpoLearnerOptions) {
    this.spec = options.spec;
    this.t = options.training;
    this.annealEnvSteps = options.annealEnvSteps;
    this.rng = SeededRng.fromSeed(options.seed + 1);
    this.layers = layersOf(this.spec);
    const init = initActorCritic(this.spec, options.seed);
    let offset = 0;
    this.layout = init.map((w) => {
      const size = shapeSize(w.shape);
      const entry = { name: w.name, shape: [...w.shape], offset, size };
      offset += size;
      return entry;
    });
    this.theta = this.flatten(init);
    this.grad = new Float32Array(offset);
    // CleanRL's PPO uses Adam eps 1e-5 (37 details #3).
    this.adam = new FlatAdam(offset, { epsilon: 1e-5, maxGradNorm: this.t.maxGradNorm });
    const handWritten = hasManualBackprop(this.spec.activation);
    // On wasm plain JS and tfjs are about even for CartPole's 32-32 (README: Gradients), so tfjs stays.
    const jsFirst = this.tf.getBackend() === 'cpu' && offset <= JS_MAX_PARAMS;
    const wanted = options.gradients ?? (jsFirst ? 'js' : 'manual');
    this.mode = wanted === 'autodiff' || !handWritten ? 'autodiff' : wanted;
    if (this.mode === 'js') {
      const at = (stack: typeof this.layers.actor): FlatDense[] =>
        stack.map((l) => {
          const kernel = this.layout.find((e) => e.name === l.kernel)!;
          const bias = this.layout.find((e) => e.name === l.bias)!;
          return { fanIn: l.fanIn, fanOut: l.fanOut, kernelOffset: kernel.offset, biasOffset: bias.offset };
        });
      this.jsActor = new JsStackBackprop(at(this.layers.actor), this.spec.activation);
      this.jsCritic = new JsStackBackprop(at(this.layers.critic), this.spec.activation);
    }
  }

  /** Number of parameters. */
  get numParams(): number {
    return this.theta.length;
  }

  update(fragments: readonly Fragment[], info: UpdateInfo): LearnerStats {
    const data = this.prepare(fragments);
    const B = data.count;
    const numMb = this.t.numMinibatches;
    const mbSize = Math.floor(B / numMb);
    const gradStepsPerUpdate = this.t.numEpochs * numMb;
    // Schedules are evaluated once per update (CleanRL: once per iteration).
    const lr = scheduled(this.t.lrSchedule, this.t.lr, info.envSteps, this.annealEnvSteps);
    const clipCoef = scheduled(this.t.clipSchedule, this.t.clipCoef, info.envSteps, this.annealEnvSteps);
    const mb = allocMinibatch(mbSize, this.spec);
    const sums = { loss: 0, pgLoss: 0, vLoss: 0, entropy: 0, approxKl: 0, clipFrac: 0, gradNorm: 0 };
    let steps = 0;
    let stoppedEarly = 0;
    epochs: for (let epoch = 0; epoch < this.t.numEpochs; epoch++) {
      const perm = permutation(B, this.rng);
      for (let k = 0; k < numMb; k++) {
        gather(data, perm.subarray(k * mbSize, (k + 1) * mbSize), mb, this.spec);
        if (this.t.normAdvantages) normalizeAdvantages(mb.advantages);
        const coefs = {
          clipCoef,
          vfCoef: this.t.vfCoef,
          entCoef: this.t.entCoef,
          clipVLoss: this.t.clipVLoss,
          vfClipCoef: this.t.vfClipCoef,
        };
        const r =
          this.mode === 'js'
            ? this.gradientsJs(mb, coefs)
            : this.mode === 'manual'
              ? this.gradientsManual(mb, coefs)
              : this.gradientsAutodiff(mb, coefs);
        const gradNorm = this.adam.step(this.theta, this.grad, lr);
        steps++;
        sums.loss += r.loss;
        sums.gradNorm += gradNorm;
        sums.pgLoss += r.pgLoss;
        sums.vLoss += r.vLoss;
        sums.entropy += r.entropy;
        sums.approxKl += r.approxKl;
        sums.clipFrac += r.clipFrac;
        if (this.t.targetKl !== undefined && r.approxKl > this.t.targetKl) {
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

  /** The weights as tensors (uploaded from theta). */
  private weightTensors(): tfjs.Tensor[] {
    return this.layout.map((l) => this.tf.tensor(this.theta.subarray(l.offset, l.offset + l.size), l.shape));
  }

  /** Gradients into `this.grad` in plain JS: forward, closed-form output gradients, backward. */
  private gradientsJs(mb: Minibatch, coefs: PpoLossCoefs): HeadGrads {
    const n = mb.advantages.length;
    const logStd = this.layout.find((l) => l.name === LOG_STD);
    const head = this.jsActor!.forward(this.theta, mb.obs, n);
    const values = this.jsCritic!.forward(this.theta, mb.obs, n);
    const g = ppoHeadGrads(
      this.spec.head,
      {
        head,
        ...(logStd !== undefined
          ? { logStd: this.theta.subarray(logStd.offset, logStd.offset + logStd.size) }
          : {}),
        actions: mb.actions,
        oldLogProbs: mb.logProbs,
        advantages: mb.advantages,
        values,
        oldValues: mb.valuePreds,
        returns: mb.valueTargets,
      },
      coefs,
    );
    this.jsActor!.backward(g.dHead, n, this.grad);
    this.jsCritic!.backward(g.dValues, n, this.grad);
    if (g.dLogStd !== undefined && logStd !== undefined) this.grad.set(g.dLogStd, logStd.offset);
    return g;
  }

  /**
   * Gradients into `this.grad` by hand: forward in tfjs, output gradients in JS (./loss-grad.ts),
   * backward through the dense layers in tfjs (./mlp-backprop.ts). ~60 kernels per minibatch.
   */
  private gradientsManual(mb: Minibatch, coefs: PpoLossCoefs): HeadGrads {
    const tf = this.tf;
    const n = mb.advantages.length;
    const A = headSize(this.spec.head);
    let result: HeadGrads | undefined;
    tf.tidy(() => {
      const w = this.weightTensors();
      const pick = (stack: typeof this.layers.actor, first: number) =>
        stack.map((_, i) => ({
          kernel: w[first + 2 * i] as tfjs.Tensor2D,
          bias: w[first + 2 * i + 1] as tfjs.Tensor1D,
        }));
      const actor = pick(this.layers.actor, 0);
      const critic = pick(this.layers.critic, 2 * this.layers.actor.length);
      const x = tf.tensor2d(mb.obs, [n, this.spec.obsSize]);
      const actorActs = forwardStack(tf, actor, x, this.spec.activation); // output [B, A]
      const criticActs = forwardStack(tf, critic, x, this.spec.activation); // output [B, 1]
      const logStdIndex = this.layout.findIndex((l) => l.name === LOG_STD);
      const g = ppoHeadGrads(
        this.spec.head,
        {
          head: actorActs.output.dataSync() as Float32Array,
          ...(logStdIndex >= 0 ? { logStd: w[logStdIndex]!.dataSync() as Float32Array } : {}),
          actions: mb.actions,
          oldLogProbs: mb.logProbs,
          advantages: mb.advantages,
          values: criticActs.output.dataSync() as Float32Array,
          oldValues: mb.valuePreds,
          returns: mb.valueTargets,
        },
        coefs,
      );
      const dActor = backwardStack(tf, actor, actorActs, tf.tensor2d(g.dHead, [n, A]), this.spec.activation);
      const dCritic = backwardStack(
        tf,
        critic,
        criticActs,
        tf.tensor2d(g.dValues, [n, 1]),
        this.spec.activation,
      );
      [...dActor, ...dCritic].forEach((t, i) => {
        this.grad.set(t.dataSync() as Float32Array, this.layout[i]!.offset);
      });
      if (g.dLogStd !== undefined) this.grad.set(g.dLogStd, this.layout[logStdIndex]!.offset);
      result = g;
    });
    return result!;
  }

  /** Gradients into `this.grad` by tfjs autodiff of ./loss.ts (activations without a manual derivative). */
  private gradientsAutodiff(mb: Minibatch, coefs: PpoLossCoefs): HeadGrads {
    const tf = this.tf;
    const n = mb.advantages.length;
    let result: HeadGrads | undefined;
    tf.tidy(() => {
      const ws = this.weightTensors();
      const obs = tf.tensor2d(mb.obs, [n, this.spec.obsSize]);
      const actions = tf.tensor2d(mb.actions, [n, headSize(this.spec.head)]);
      const oldLogProbs = tf.tensor1d(mb.logProbs);
      const advantages = tf.tensor1d(mb.advantages);
      const oldValues = tf.tensor1d(mb.valuePreds);
      const returns = tf.tensor1d(mb.valueTargets);
      let terms: PpoLossTerms | undefined;
      let newLogProbs: tfjs.Tensor1D | undefined;
      const grads = tf.grads((...xs: tfjs.Tensor[]) => {
        const w = new Map(this.layout.map((l, i) => [l.name, xs[i]!]));
        const lp = this.logProbs(w, obs, actions);
        newLogProbs = tf.keep(lp.logProbs);
        const newValues = tf.reshape(this.mlp(w, 'vf', obs), [n]) as tfjs.Tensor1D;
        terms = ppoLoss(
          tf,
          {
            newLogProbs: lp.logProbs,
            oldLogProbs,
            advantages,
            newValues,
            oldValues,
            returns,
            entropy: lp.entropy,
          },
          coefs,
        );
        for (const t of Object.values(terms)) tf.keep(t);
        return terms.loss;
      })(ws);
      grads.forEach((g, i) => {
        this.grad.set(g.dataSync() as Float32Array, this.layout[i]!.offset);
      });
      const stats = ppoStats(newLogProbs!.dataSync() as Float32Array, mb.logProbs, coefs.clipCoef);
      result = {
        dHead: new Float32Array(0),
        dLogStd: undefined,
        dValues: new Float32Array(0),
        loss: terms!.loss.dataSync()[0]!,
        pgLoss: terms!.pgLoss.dataSync()[0]!,
        vLoss: terms!.vLoss.dataSync()[0]!,
        entropy: terms!.entropyLoss.dataSync()[0]!,
        ...stats,
      };
    });
    return result!;
  }

  /** Forward through the actor ('pi') or critic ('vf') stack. [B, out] */
  private mlp(w: Map<string, tfjs.Tensor>, prefix: 'pi' | 'vf', x: tfjs.Tensor2D): tfjs.Tensor2D {
    const stack = this.layers[prefix === 'pi' ? 'actor' : 'critic'];
    const layers = stack.map((l) => ({
      kernel: w.get(l.kernel) as tfjs.Tensor2D,
      bias: w.get(l.bias) as tfjs.Tensor1D,
    }));
    return forwardStack(this.tf, layers, x, this.spec.activation).output;
  }

  /** log pi(a|s) and the entropy for the minibatch's actions. [B] each */
  private logProbs(w: Map<string, tfjs.Tensor>, obs: tfjs.Tensor2D, actions: tfjs.Tensor2D) {
    const tf = this.tf;
    const head = this.mlp(w, 'pi', obs); // [B, A]
    if (this.spec.head.kind === 'categorical') {
      // sum(logSoftmax * oneHot) instead of gather: gather has no gradient on wasm (docs/measurements.md).
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
    return this.layout.map((l) => ({
      name: l.name,
      shape: l.shape,
      data: this.theta.slice(l.offset, l.offset + l.size),
    }));
  }

  getState(): LearnerState {
    const adam = this.adam.getState();
    return {
      weights: this.getWeights(),
      optimizer: adam.moments,
      extra: { adamStepCount: adam.stepCount, gradSteps: this.gradSteps, rng: this.rng.getState() },
    };
  }

  setState(state: LearnerState): void {
    const weights = validateNamedWeights(state.weights, 'learner.weights', this.layout);
    this.adam.setState(state.optimizer, state.extra['adamStepCount']);
    this.theta.set(this.flatten(weights));
    this.gradSteps = Number(state.extra['gradSteps'] ?? 0);
    this.rng.setState(state.extra['rng']);
  }

  dispose(): void {
    // Nothing lives on the backend between updates.
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
