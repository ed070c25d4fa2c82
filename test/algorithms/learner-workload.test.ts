import { describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../algorithms/index.js';
import '../../envs/builtin/index.js';
import { WEBGPU_MIN_MACS, webGpuGains } from '../../rl/backend/webgpu.js';
import { buildConfigSchema } from '../../rl/config/common.js';
import { resolveConfig } from '../../rl/config/resolve.js';
import { mlpMacsPerRow } from '../../rl/models/mlp.js';
import { buildContext } from '../../rl/training/build-run.js';

/** The workload `rl train` hands the backend choice for this preset and these overrides. */
async function workloadOf(algo: string, file: string, sets: readonly string[] = []) {
  const algorithm = getAlgorithm(algo);
  const schema = buildConfigSchema(algorithm.trainingSchema, {
    refine: (c, ctx) => algorithm.refineConfig?.(c, ctx),
  });
  const config = resolveConfig({ schema, algo, file, sets: [...sets] });
  const ctx = await buildContext(config, algorithm);
  return algorithm.learnerWorkload?.(ctx);
}

describe('mlpMacsPerRow', () => {
  it('sums fanIn x fanOut over the dense layers', () => {
    expect(mlpMacsPerRow({ inputSize: 4, hiddenSizes: [64, 32], outputSize: 2, activation: 'relu' })).toBe(
      4 * 64 + 64 * 32 + 32 * 2,
    );
    expect(mlpMacsPerRow({ inputSize: 3, hiddenSizes: [], outputSize: 5, activation: 'linear' })).toBe(15);
  });
});

describe('learnerWorkload of the off-policy algorithms (backend: auto weighs it)', () => {
  it('dqn: batch x Q-net; the CartPole preset stays on the CPU, a wide net on big batches goes to webgpu', async () => {
    // 64 rows x (4*64 + 64*64 + 64*2).
    const preset = await workloadOf('dqn', 'configs/cartpole-dqn.yaml');
    expect(preset?.macsPerStep).toBe(64 * (4 * 64 + 64 * 64 + 64 * 2));
    expect(webGpuGains(preset)).toBe(false);
    const wide = await workloadOf('dqn', 'configs/cartpole-dqn.yaml', [
      'model.hiddenSizes=[512, 512]',
      'training.batchSize=1024',
    ]);
    expect(wide!.macsPerStep).toBeGreaterThan(WEBGPU_MIN_MACS);
    expect(webGpuGains(wide)).toBe(true);
  });

  it('sac: batch x (actor + 2 critics); the Pendulum preset stays on the CPU', async () => {
    // Pendulum: obs 3, action 1. Actor 3-64-64-2, critics 4-64-64-1; 128 rows.
    const preset = await workloadOf('sac', 'configs/pendulum-sac.yaml');
    const actor = 3 * 64 + 64 * 64 + 64 * 2;
    const critic = 4 * 64 + 64 * 64 + 64 * 1;
    expect(preset?.macsPerStep).toBe(128 * (actor + 2 * critic));
    expect(webGpuGains(preset)).toBe(false);
    const wide = await workloadOf('sac', 'configs/pendulum-sac.yaml', [
      'model.hiddenSizes=[256, 256]',
      'training.batchSize=512',
    ]);
    expect(webGpuGains(wide)).toBe(true);
  });

  it("apex-dqn: DQN's measure, with the dueling head's extra output", async () => {
    // 64 rows x (4*64 + 64*64 + 64*(2 + 1)): the dueling head adds V(s) beside A(s, .).
    const w = await workloadOf('apex-dqn', 'configs/cartpole-apex.yaml', ['training.dueling=true']);
    expect(w?.macsPerStep).toBe(64 * (4 * 64 + 64 * 64 + 64 * 3));
    expect(webGpuGains(w)).toBe(false);
  });
});
