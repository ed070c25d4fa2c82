/**
 * SAC export: the exported network outputs the deterministic action tanh(mean) rescaled to the
 * bounds, equal to the runner policy's deterministic action; end to end, the model `rl export` writes
 * (loaded back with TensorFlow.js) acts as `loadPolicy` with `deterministic: true`.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { io, Tensor } from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../../algorithms/index.js';
import { loadPolicy } from '../../../algorithms/load-policy.js';
import { sacDeterministicNetwork } from '../../../algorithms/sac/export.js';
import { sac } from '../../../algorithms/sac/index.js';
import { ACTOR } from '../../../algorithms/sac/model.js';
import { SacPolicy } from '../../../algorithms/sac/policy.js';
import { setLogLevel } from '../../../core/logger.js';
import { SeededRng } from '../../../envs/rng.js';
import type { AnyAlgorithmDefinition, DenseNetwork } from '../../../rl/algorithm.js';
import { requireTf } from '../../../rl/backend/backend.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { exportTfjs } from '../../../rl/export/export-tfjs.js';
import { mlpWeightSpecs } from '../../../rl/models/js-mlp.js';
import type { MlpSpec } from '../../../rl/models/mlp.js';
import { train } from '../../../rl/training/train.js';

setLogLevel('error');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The exported network's output for one observation, computed independently of tfjs. */
function forward(net: DenseNetwork, obs: Float32Array): number[] {
  let x = Array.from(obs);
  for (const l of net.layers) {
    x = Array.from({ length: l.fanOut }, (_, j) => {
      let s = l.bias[j]!;
      for (let i = 0; i < l.fanIn; i++) s += x[i]! * l.kernel[i * l.fanOut + j]!;
      return l.activation === 'tanh' ? Math.tanh(s) : l.activation === 'relu' ? Math.max(0, s) : s;
    });
  }
  return x;
}

describe('sacDeterministicNetwork', () => {
  it("outputs the runner policy's deterministic action, tanh(mean) rescaled to asymmetric bounds", () => {
    const A = 2;
    const spec: MlpSpec = { inputSize: 3, hiddenSizes: [8, 8], outputSize: 2 * A, activation: 'relu' };
    const bounds = { low: Float32Array.from([-1, 0]), high: Float32Array.from([3, 0.5]) };
    const rng = SeededRng.fromSeed(5);
    const weights = mlpWeightSpecs(spec, ACTOR).map((w) => ({
      name: w.name,
      shape: w.shape,
      data: Float32Array.from({ length: w.shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    }));
    const net = sacDeterministicNetwork(spec, { actionSize: A, bounds }, weights);
    expect(net.head).toBe('identity');
    expect(net.layers.at(-1)!.fanOut).toBe(A);
    const policy = new SacPolicy(spec, { actionSize: A, bounds });
    policy.setWeights(weights);
    const out = { actions: new Float32Array(A), extras: {} };
    let nearBound = 0;
    for (let k = 0; k < 200; k++) {
      const obs = Float32Array.from({ length: 3 }, () => 2 * rng.normal());
      policy.act(obs, 1, false, rng, out);
      const exported = forward(net, obs);
      for (let d = 0; d < A; d++) {
        expect(exported[d]).toBeCloseTo(out.actions[d]!, 5);
        expect(exported[d]).toBeGreaterThanOrEqual(bounds.low[d]! - 1e-6);
        expect(exported[d]).toBeLessThanOrEqual(bounds.high[d]! + 1e-6);
      }
      if (Math.abs(exported[0]! - 3) < 0.1 || Math.abs(exported[0]! + 1) < 0.1) nearBound++;
    }
    // The comparison covered the saturated ends of tanh, where a wrong rescale shows most.
    expect(nearBound).toBeGreaterThan(0);
  });

  it('names a missing actor weight', () => {
    const spec: MlpSpec = { inputSize: 3, hiddenSizes: [8], outputSize: 2, activation: 'relu' };
    const bounds = { low: Float32Array.from([-2]), high: Float32Array.from([2]) };
    expect(() => sacDeterministicNetwork(spec, { actionSize: 1, bounds }, [])).toThrow(
      'sac export: weights "pi/dense0/kernel" / "pi/dense0/bias" are missing or misshapen.',
    );
  });
});

describe('rl export --format tfjs with a SAC checkpoint', () => {
  it("writes a Layers model whose action equals loadPolicy's deterministic action", async () => {
    const root = mkdtempSync(join(tmpdir(), 'tsrl-sac-export-'));
    dirs.push(root);
    const schema = buildConfigSchema(sac.trainingSchema, {
      refine: (c, ctx) => sac.refineConfig?.(c, ctx),
    });
    const config = resolveConfig({
      schema,
      algo: 'sac',
      file: new URL('../../../configs/pendulum-sac.yaml', import.meta.url).pathname,
      sets: [
        'backend=cpu',
        'seed=2',
        'model.hiddenSizes=[16]',
        'training.learningStarts=64',
        'training.batchSize=32',
        'stop.episodeReturnMean=null',
        'stop.envSteps=256',
      ],
    });
    const trained = await train(config, {
      algorithm: sac as unknown as AnyAlgorithmDefinition,
      runDir: join(root, 'run'),
      handleSigint: false,
    });
    const out = join(root, 'export');
    const result = await exportTfjs(trained.checkpointDir!, out, { resolveAlgorithm: getAlgorithm });
    expect(result.info).toMatchObject({
      algorithm: 'sac',
      envId: 'Pendulum-v1',
      inputSize: 3,
      head: 'identity',
    });

    const tf = requireTf();
    const modelJson = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as {
      modelTopology: object;
      weightsManifest: { weights: io.WeightsManifestEntry[] }[];
    };
    const bin = readFileSync(join(out, 'weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0]!.weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const policy = await loadPolicy(trained.checkpointDir!);
    try {
      const rng = SeededRng.fromSeed(9);
      const observations = Array.from({ length: 50 }, () => {
        const th = (rng.next() * 2 - 1) * Math.PI;
        return [Math.cos(th), Math.sin(th), (rng.next() * 2 - 1) * 8];
      });
      const x = tf.tensor2d(observations);
      const y = model.predict(x) as Tensor;
      const exported = (await y.array()) as number[][];
      x.dispose();
      y.dispose();
      const actions = new Set<string>();
      observations.forEach((obs, k) => {
        const a = policy.computeAction(obs, { deterministic: true }) as Float32Array;
        expect(exported[k]![0]).toBeCloseTo(a[0]!, 5);
        actions.add(a[0]!.toFixed(3));
      });
      // The policy's action varies with the observation: the comparison is not of constants.
      expect(actions.size).toBeGreaterThan(10);
    } finally {
      model.dispose();
      policy.dispose();
    }
  }, 120_000);
});
