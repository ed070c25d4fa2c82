/**
 * Backend benchmark: per available TensorFlow.js backend, the forward pass of an 8-64-64-4 tanh MLP
 * (raw ops, upload + apply + asynchronous read back) at batch 1/8/16/64/256 and one Adam step with
 * grad-norm clipping at minibatch 128 (a categorical policy-gradient loss), one Adam step of a SAC-sized
 * 4-256-256-1 relu critic at batch 256 (MSE), and one PPO learner step of the MinAtar CNN preset
 * (configs/minatar-breakout-ppo.yaml's network) at 512 and 4096 rows, and an Adam step of MLP
 * 64-H-H-8 at the sizes of the H200 measurements behind the webgpu threshold (`mlpStepVsMacs`, with
 * `webgpuRule`: where the wasm cost line meets webgpu's per-step cost); plus the plain-JS forward
 * (rl/models/js-mlp.ts) at the same batches as the baseline. Every step ends in an `await t.data()`,
 * so GPU work is finished inside the timing (and webgpu in Node, which cannot read synchronously,
 * runs it). Best of several trials on a shared machine: compare numbers from the same run only.
 * TSRL_BENCH_BACKENDS (comma-separated) restricts the backends tried.
 *
 * Run: `npx tsx -e "import('./bench/backend.ts').then(async m => console.log(JSON.stringify(await m.benchBackend(), null, 2)))"`
 */
import { cpus } from 'node:os';
import type { Scalar, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import { DeviceGradients } from '../algorithms/ppo/device-gradients.js';
import { allocMinibatch } from '../algorithms/ppo/minibatch.js';
import { type ActorCriticSpec, initActorCritic, macsPerRow } from '../algorithms/ppo/model.js';
import { SeededRng } from '../envs/rng.js';
import { type BackendChoice, currentBackend, initBackend, requireTf } from '../rl/backend/backend.js';
import { WEBGPU_MIN_MACS } from '../rl/backend/webgpu.js';
import { Categorical } from '../rl/distributions/categorical.js';
import { JsMlp } from '../rl/models/js-mlp.js';
import { Mlp, type MlpSpec } from '../rl/models/mlp.js';
import { Adam } from '../rl/optim/adam.js';

/** webgpu's Adam step of MLP 64-H-H-8 at batch 256 / H 256 on the H200 (2026-12-04), 13.2 ms; about 13-17 ms at every size measured there. */
const RECORDED_H200_STEP_US = 13_200;

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

/** {@link timeUs} for an asynchronous `fn` (fewer, longer trials: GPU steps take milliseconds). */
async function timeUsAsync(fn: () => Promise<unknown>, trials = TRIALS): Promise<number> {
  await fn(); // warm-up: shader compilation, kernel caches
  await fn();
  const samples: number[] = [];
  for (let t = 0; t < trials; t++) {
    const start = performance.now();
    await fn();
    samples.push((performance.now() - start) * 1000);
  }
  return Math.round(Math.min(...samples) * 10) / 10;
}

/** configs/minatar-breakout-ppo.yaml's network: conv 16 3x3 on 10x10x4, 128 units, 3 actions. */
const BREAKOUT_CNN: ActorCriticSpec = {
  obsSize: 400,
  hiddenSizes: [128],
  activation: 'relu',
  head: { kind: 'categorical', numActions: 3 },
  conv: { imageShape: [10, 10, 4], convs: [{ filters: 16, kernelSize: 3, stride: 1 }] },
};

/** One PPO device-gradient step of the CNN preset's network per minibatch size, microseconds. */
async function benchPpoCnn(): Promise<Record<string, number>> {
  const rng = SeededRng.fromSeed(3);
  const out: Record<string, number> = {};
  for (const rows of [512, 4096]) {
    const grads = new DeviceGradients(BREAKOUT_CNN, initActorCritic(BREAKOUT_CNN, 0), 0.5);
    const mb = allocMinibatch(rows, BREAKOUT_CNN);
    mb.obs.set(Float32Array.from(mb.obs, () => (rng.next() < 0.05 ? 1 : 0)));
    mb.actions.set(Float32Array.from(mb.actions, () => rng.nextInt(3)));
    mb.logProbs.fill(Math.log(1 / 3));
    mb.advantages.set(randomArray(rows, rng));
    mb.valueTargets.set(randomArray(rows, rng));
    const coefs = { clipCoef: 0.1, vfCoef: 0.5, entCoef: 0.01, clipVLoss: true, vfClipCoef: 0.1 };
    out[`rows${rows}`] = await timeUsAsync(async () => {
      await grads.step(mb, coefs, 2.5e-4, false);
      await grads.takeSums(); // waits for the device
    }, 3);
    grads.dispose();
  }
  return out;
}

function randomArray(n: number, rng: SeededRng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** One Adam step of `loss` on the device, finished by reading the global norm back. */
async function adamStep(adam: Adam, variables: readonly Variable[], loss: () => Scalar): Promise<void> {
  const tf = requireTf();
  const norm = tf.tidy(() => {
    const { grads } = tf.variableGrads(loss, variables as Variable[]);
    return adam.applyGradientsOnDevice(
      variables.map((v) => grads[v.name]),
      3e-4,
    );
  });
  await norm.data();
  norm.dispose();
}

/** The learner sizes of the H200 measurements behind WEBGPU_MIN_MACS (rl/backend/webgpu.ts): MLP 64-H-H-8. */
const STEP_SIZES = [
  { rows: 256, hidden: 64 },
  { rows: 256, hidden: 128 },
  { rows: 256, hidden: 256 },
  { rows: 1024, hidden: 256 },
  { rows: 4096, hidden: 256 },
] as const;

/**
 * One Adam step (MSE, relu MLP 64-H-H-8) per size, with the multiply-adds of one forward pass of the
 * minibatch: where the learner-step cost crosses from dispatch-bound to arithmetic-bound. The tfjs
 * cpu backend skips the 4096-row size (seconds per step).
 */
async function benchStepVsMacs(): Promise<Record<string, { macs: number; us: number }>> {
  const tf = requireTf();
  const rng = SeededRng.fromSeed(5);
  const out: Record<string, { macs: number; us: number }> = {};
  for (const { rows, hidden } of STEP_SIZES) {
    if (rows >= 4096 && currentBackend()?.tfBackend === 'cpu') continue;
    const mlp = new Mlp({
      inputSize: 64,
      hiddenSizes: [hidden, hidden],
      outputSize: 8,
      activation: 'relu',
      seed: 4,
    });
    const adam = new Adam(mlp.variables, { learningRate: 1e-4 });
    const x = tf.tensor2d(randomArray(rows * 64, rng), [rows, 64]) as Tensor2D;
    const y = tf.tensor2d(randomArray(rows * 8, rng), [rows, 8]) as Tensor2D;
    const us = await timeUsAsync(
      () => adamStep(adam, mlp.variables, () => tf.mean(tf.square(tf.sub(mlp.apply(x), y))) as Scalar),
      3,
    );
    out[`rows${rows}H${hidden}`] = { macs: rows * (64 * hidden + hidden * hidden + hidden * 8), us };
    for (const t of [x, y]) t.dispose();
    adam.dispose();
    mlp.dispose();
  }
  return out;
}

/**
 * Microseconds per million multiply-adds of the steps at or above 2M multiply-adds (the median), and
 * where that line meets `gpuStepUs` (a GPU's per-step cost, about constant at these sizes).
 */
export function breakEven(
  steps: Readonly<Record<string, { macs: number; us: number }>>,
  gpuStepUs: number,
): { usPerMMac: number; breakEvenMacs: number } | undefined {
  const rates = Object.values(steps)
    .filter((s) => s.macs >= 2e6)
    .map((s) => s.us / (s.macs / 1e6))
    .sort((a, b) => a - b);
  if (rates.length === 0) return undefined;
  const usPerMMac = rates[Math.floor(rates.length / 2)] as number;
  return { usPerMMac: Math.round(usPerMMac), breakEvenMacs: Math.round((gpuStepUs / usPerMMac) * 1e6) };
}

/** Forward and Adam timings on the current backend. */
async function benchCurrent(): Promise<Record<string, unknown>> {
  const tf = requireTf();
  const rng = SeededRng.fromSeed(0);
  const mlp = new Mlp({ ...SPEC, seed: 1, outputGain: 0.01 });
  const forwardUs: Record<string, number> = {};
  for (const batch of FORWARD_BATCHES) {
    const x = randomArray(batch * SPEC.inputSize, rng);
    forwardUs[`batch${batch}`] = await timeUsAsync(async () => {
      const y = tf.tidy(() => mlp.apply(tf.tensor2d(x, [batch, SPEC.inputSize]) as Tensor2D));
      await y.data();
      y.dispose();
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
  const adamStepUs = await timeUsAsync(() =>
    adamStep(
      adam,
      mlp.variables,
      () => tf.neg(tf.mean(tf.mul(new Categorical(mlp.apply(obs)).logProb(actions), advantages))) as Scalar,
    ),
  );
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
  const criticStepUs = await timeUsAsync(() =>
    adamStep(
      criticAdam,
      critic.variables,
      () => tf.mean(tf.square(tf.sub(critic.apply(sa), target))) as Scalar,
    ),
  );
  for (const t of [sa, target]) t.dispose();
  criticAdam.dispose();
  critic.dispose();
  const ppoCnnStepUs = await benchPpoCnn();
  const mlpStepVsMacs = await benchStepVsMacs();
  return {
    forwardUs,
    mlpStepVsMacs,
    adamStepMinibatch128Us: adamStepUs,
    critic256x256AdamStepBatch256Us: criticStepUs,
    ppoCnnStepUs,
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
  const all: Exclude<BackendChoice, 'auto'>[] = ['webgpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
  const only = process.env['TSRL_BENCH_BACKENDS']?.split(',').map((s) => s.trim());
  const candidates = all.filter((name) => only === undefined || only.includes(name));
  for (const name of candidates) {
    let info: Awaited<ReturnType<typeof initBackend>>;
    try {
      info = await initBackend({ backend: name });
    } catch (error) {
      backends[name] = { available: false, reason: (error as Error).message };
      continue;
    }
    backends[name] = {
      available: true,
      tfBackend: info.tfBackend,
      simd: info.simd,
      usingGpu: info.usingGpu,
      ...(info.adapter !== undefined ? { adapter: info.adapter } : {}),
      ...(await benchCurrent()),
    };
  }
  const step = (name: string) =>
    (backends[name] as { ppoCnnStepUs?: Record<string, number> } | undefined)?.ppoCnnStepUs;
  const ppoCnnWebgpuSpeedup: Record<string, number> = {};
  for (const rows of ['rows512', 'rows4096']) {
    const cpu = step('wasm')?.[rows];
    const gpu = step('webgpu')?.[rows];
    if (cpu !== undefined && gpu !== undefined) ppoCnnWebgpuSpeedup[rows] = Math.round((cpu / gpu) * 10) / 10;
  }
  // The webgpu rule: where the wasm step-cost line meets webgpu's per-step cost, measured here when
  // webgpu ran, else the 15 ms recorded on the H200 (rl/backend/webgpu.ts).
  const stepsOf = (name: string) =>
    (backends[name] as { mlpStepVsMacs?: Record<string, { macs: number; us: number }> } | undefined)
      ?.mlpStepVsMacs;
  const gpuSteps = stepsOf('webgpu');
  const gpuStepUs =
    gpuSteps === undefined ? RECORDED_H200_STEP_US : Math.min(...Object.values(gpuSteps).map((s) => s.us));
  const wasmSteps = stepsOf('wasm');
  const webgpuRule =
    wasmSteps === undefined
      ? undefined
      : {
          ...breakEven(wasmSteps, gpuStepUs),
          gpuStepUs,
          gpuStepFrom: gpuSteps === undefined ? 'recorded on the H200 (2026-12-04)' : 'measured in this run',
          threshold: WEBGPU_MIN_MACS,
        };
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
    ppoCnn: { model: 'conv 16 3x3 on 10x10x4, dense 128, 3 actions', macsPerRow: macsPerRow(BREAKOUT_CNN) },
    ppoCnnWebgpuSpeedup,
    ...(webgpuRule !== undefined ? { webgpuRule } : {}),
    jsForwardUs,
    fastestByAdamStep: fastest,
    default: currentBackend()?.name,
    defaultReason: currentBackend()?.reason,
  };
}
