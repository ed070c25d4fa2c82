import { describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../../algorithms/index.js';
import { ppo } from '../../../algorithms/ppo/index.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';

const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
const resolve = (...sets: string[]) =>
  resolveConfig({ schema, algo: 'ppo', sets: ['stop.envSteps=1000', ...sets] });

describe('PPO config', () => {
  it('has CleanRL defaults and loads both presets', () => {
    const c = resolve();
    expect(c.training.clipCoef).toBe(0.2);
    expect(c.training.gaeLambda).toBe(0.95);
    expect(resolveConfig({ schema, algo: 'ppo', file: 'configs/cartpole-ppo.yaml' }).training.numEpochs).toBe(
      20,
    );
    expect(resolveConfig({ schema, algo: 'ppo', file: 'configs/pendulum-ppo.yaml' }).env.id).toBe(
      'Pendulum-v1',
    );
  });

  it('rejects minibatches that do not divide the train batch, with divisors to try', () => {
    // 1 runner x 8 envs x 64 steps = 512 rows.
    expect(() => resolve('training.numMinibatches=3')).toThrow(
      /training\.numMinibatches.*must divide the train batch \(512/s,
    );
    expect(() => resolve('training.numMinibatches=3')).toThrow(/try .*2|4/);
  });

  it('rejects unknown keys with a did-you-mean', () => {
    expect(() => resolve('training.clipCoeff=0.1')).toThrow(/clipCoef/);
  });

  it('needs a horizon for linear schedules', () => {
    expect(() => resolveConfig({ schema, algo: 'ppo', sets: ['training.lrSchedule=linear'] })).toThrow(
      /training\.annealEnvSteps.*required/s,
    );
  });

  it('finds algorithms by name, with a did-you-mean for typos', () => {
    expect(getAlgorithm('ppo').name).toBe('ppo');
    expect(() => getAlgorithm('ppp')).toThrow(/did you mean 'ppo'/);
  });
});

describe('PPO config defaults', () => {
  it('resolves with no file and no stop block', () => {
    expect(resolveConfig({ schema, algo: 'ppo' }).training.lrSchedule).toBe('constant');
  });
});

describe('ppo.learnerWorkload', () => {
  it('counts the minibatch rows times the actor and critic multiply-adds (CartPole 32-32: CPU-sized)', async () => {
    const { ppo } = await import('../../../algorithms/ppo/ppo.js');
    const { webGpuGains } = await import('../../../rl/backend/webgpu.js');
    const ctx = {
      obsSize: 4,
      actionSpace: { type: 'Discrete', n: 2 },
      training: { numMinibatches: 1 },
      config: {
        model: { hiddenSizes: [32, 32], activation: 'tanh' },
        envRunners: { numEnvRunners: 0, rolloutFragmentLength: 32 },
        env: { numEnvsPerRunner: 8 },
      },
    } as unknown as Parameters<NonNullable<typeof ppo.learnerWorkload>>[0];
    // 256 rows x (4*32 + 32*32 + 32*2 + 4*32 + 32*32 + 32*1) = 256 x 2400.
    const workload = ppo.learnerWorkload!(ctx);
    expect(workload.macsPerStep).toBe(256 * 2400);
    expect(webGpuGains(workload)).toBe(false);
  });
});
