/**
 * Backend benchmark: per available TensorFlow.js backend, the forward pass of an 8-64-64-4 tanh MLP
 * (raw ops, upload + apply + read back, as an env runner does) at batch 1/8/16/64/256 and one Adam step with
 * grad-norm clipping at minibatch 128 (a categorical policy-gradient loss), one Adam step of a SAC-sized
 * 4-256-256-1 relu critic at batch 256 (MSE); plus the plain-JS forward
 * (rl/models/js-mlp.ts) at the same batches as the baseline. Best of several trials on a shared
 * machine: compare numbers from the same run only.
 *
 * Run: `npx tsx -e "import('./bench/backend.ts').then(async m => console.log(JSON.stringify(await m.benchBackend(), null, 2)))"`
 */
import { cpus } from 'node:os';
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { SeededRng } from '../envs/rng.js';
import { type BackendChoice, currentBackend, initBackend, requireTf } from '../rl/backend/backend.js';
import { Categorical } from '../rl/distributions/categorical.js';
import { JsMlp } from '../rl/models/js-mlp.js';
import { Mlp, type MlpSpec } from '../rl/models/mlp.js';
import { Adam } from '../rl/optim/adam.js';

const SPEC: MlpSpec = { inputSize: 8, hiddenSizes: [64, 64], outputSize: 4, activation: 'tanh' };
const FORWARD_BATCHES = [1, 8, 16, 64, 256] as const;
const MINIBATCH = 128;
const TRIALS = 5;
const TRIAL_MS = 60;

/** Best (minimum) microseconds per call of `fn` over trials of about TRIAL_MS each: on a shared,
 * loaded machine the minimum estimates the intrinsic cost better than the median. */
function timeUs(fn: () => void): number {
  const warm = performance.now();
  let calls = 0;
  while (performance.now() - warm < TRIAL_MS / 2 || calls < 3) {
    fn();
    calls++;
  }
  const perTrial = Math.max(3, Math.round((calls * TRIAL_MS) / (performance.now() - warm)));
  const samples: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const start = performance.now();
    for (let i = 0; i < perTrial; i++) fn();
    samples.push(((performance.now() - start) * 1000) / perTrial);
  }
  return Math.round(Math.min(...samples) * 10) / 10;
}

function randomArray(n: number, rng: SeededRng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Forward and Adam timings on the current backend. */
function benchCurrent(): Record<string, unknown> {
  const tf = requireTf();
  const rng = SeededRng.fromSeed(0);
  const mlp = new Mlp({ ...SPEC, seed: 1, outputGain: 0.01 });
  const forwardUs: Record<string, number> = {};
  for (const batch of FORWARD_BATCHES) {
    const x = randomArray(batch * SPEC.inputSize, rng);
    forwardUs[`batch${batch}`] = timeUs(() => {
      tf.tidy(() => mlp.apply(tf.tensor2d(x, [batch, SPEC.inputSize]) as Tensor2D).dataSync());
    });
  }
  const adam = new Adam(mlp.variables, { learningRate: 3e-4, epsilon: 1e-5, maxGradNorm: 0.5 });
  const obs = tf.tensor2d(randomArray(MINIBATCH * SPEC.inputSize, rng), [
    MINIBATCH,
    SPEC.inputSize,
  ]) as Tensor2D;
  const actions = tf.tensor1d(
    Array.from({ length: MINIBATCH }, () => rng.nextInt(SPEC.outputSize)),
    'int32',
  ) as Tensor1D;
  const advantages = tf.tensor1d(randomArray(MINIBATCH, rng)) as Tensor1D;
  const before = tf.memory().numTensors;
  const adamStepUs = timeUs(() => {
    adam.step(
      () => tf.neg(tf.mean(tf.mul(new Categorical(mlp.apply(obs)).logProb(actions), advantages))) as Scalar,
    );
  });
  const leakedTensors = tf.memory().numTensors - before;
  for (const t of [obs, actions, advantages]) t.dispose();
  adam.dispose();
  mlp.dispose();
  // A SAC-sized critic: Q(s, a) for Pendulum (3 + 1 inputs), 256-256 relu, MSE step at batch 256.
  const critic = new Mlp({
    inputSize: 4,
    hiddenSizes: [256, 256],
    outputSize: 1,
    activation: 'relu',
    seed: 2,
  });
  const criticAdam = new Adam(critic.variables, { learningRate: 3e-4 });
  const sa = tf.tensor2d(randomArray(256 * 4, rng), [256, 4]) as Tensor2D;
  const target = tf.tensor2d(randomArray(256, rng), [256, 1]) as Tensor2D;
  const criticStepUs = timeUs(() => {
    criticAdam.step(() => tf.mean(tf.square(tf.sub(critic.apply(sa), target))) as Scalar);
  });
  for (const t of [sa, target]) t.dispose();
  criticAdam.dispose();
  critic.dispose();
  return {
    forwardUs,
    adamStepMinibatch128Us: adamStepUs,
    critic256x256AdamStepBatch256Us: criticStepUs,
    leakedTensors,
  };
}

/** Plain-JS forward timings (no tfjs). */
function benchJs(): Record<string, number> {
  const rng = SeededRng.fromSeed(2);
  const weights = [];
  const sizes = [SPEC.inputSize, ...SPEC.hiddenSizes, SPEC.outputSize];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const fanIn = sizes[i] as number;
    const fanOut = sizes[i + 1] as number;
    weights.push({ kernel: randomArray(fanIn * fanOut, rng), bias: randomArray(fanOut, rng), fanIn, fanOut });
  }
  const js = new JsMlp(weights, SPEC.activation);
  const out: Record<string, number> = {};
  for (const batch of FORWARD_BATCHES) {
    const x = randomArray(batch * SPEC.inputSize, rng);
    out[`batch${batch}`] = timeUs(() => {
      js.forward(x, batch);
    });
  }
  return out;
}

/**
 * Runs the benchmark over every backend that loads here and returns JSON-ready results; leaves the
 * `auto` choice (or `TSRL_BACKEND`) selected afterwards, and reports it as `default`.
 */
export async function benchBackend(): Promise<Record<string, unknown>> {
  const backends: Record<string, unknown> = {};
  const candidates: Exclude<BackendChoice, 'auto'>[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
  for (const name of candidates) {
    try {
      const info = await initBackend({ backend: name });
      backends[name] = {
        available: true,
        tfBackend: info.tfBackend,
        simd: info.simd,
        usingGpu: info.usingGpu,
        ...benchCurrent(),
      };
    } catch (error) {
      backends[name] = { available: false, reason: (error as Error).message.split('.')[0] };
    }
  }
  const jsForwardUs = benchJs();
  const fastest = Object.entries(backends)
    .filter(([, r]) => (r as { available: boolean }).available)
    .sort(
      ([, a], [, b]) =>
        (a as { adamStepMinibatch128Us: number }).adamStepMinibatch128Us -
        (b as { adamStepMinibatch128Us: number }).adamStepMinibatch128Us,
    )[0]?.[0];
  await initBackend();
  return {
    suite: 'backend',
    model: `MLP ${[SPEC.inputSize, ...SPEC.hiddenSizes, SPEC.outputSize].join('-')} ${SPEC.activation}`,
    machine: { cpus: cpus().length, node: process.version },
    units: 'microseconds per call, best of 5 trials (shared machine)',
    backends,
    jsForwardUs,
    fastestByAdamStep: fastest,
    default: currentBackend()?.name,
    defaultReason: currentBackend()?.reason,
  };
}
