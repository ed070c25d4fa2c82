import { availableParallelism } from 'node:os';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { buildConfigSchema, type CommonConfig, envStepsPerSampleRound } from '../../../rl/config/common.js';
import { autoNumEnvRunners } from '../../../rl/config/num-env-runners.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { s } from '../../../rl/config/schema.js';

describe('buildConfigSchema', () => {
  const schema = buildConfigSchema(s.object({ gamma: s.number({ min: 0, max: 1, default: 0.99 }) }));

  it('types the training section from the algorithm schema', () => {
    const config = resolveConfig({ schema, algo: 'ppo' });
    expectTypeOf(config.training.gamma).toEqualTypeOf<number>();
    expectTypeOf(config.stop.envSteps).toEqualTypeOf<number | undefined>();
    expectTypeOf(config.backend).toEqualTypeOf<
      'auto' | 'wasm' | 'cpu' | 'tfjs-node' | 'tfjs-node-gpu' | 'webgpu'
    >();
    const common: CommonConfig = config;
    expect(common.training).toEqual({ gamma: 0.99 });
  });

  it('has the documented defaults', () => {
    const config = resolveConfig({ schema, algo: 'ppo' });
    expect(config.seed).toBe(0);
    expect(config.backend).toBe('auto');
    expect(config.envRunners).toEqual({
      // auto, resolved for this machine (test/rl/config/num-env-runners.test.ts)
      numEnvRunners: autoNumEnvRunners(availableParallelism()),
      rolloutFragmentLength: 64,
      restartFailed: true,
      sampleTimeoutMs: 60000,
      restartWindowMs: 120000,
    });
    expect(config.learners).toEqual({ numLearners: 1, numGpusPerLearner: 0 });
    expect(config.model).toEqual({ hiddenSizes: [64, 64], activation: 'tanh' });
    expect(config.evaluation).toEqual({ interval: 0, episodes: 10, deterministic: true, numEnvs: 1 });
    expect(config.metrics).toEqual({ windowEpisodes: 100, tensorboard: true, weightHistogramInterval: 10 });
    // Checkpoints every 5 minutes of wall time by default, the newest 5 kept: a crash loses little.
    expect(config.checkpoint).toEqual({ interval: 0, intervalMs: 300000, atEnd: true, keepLast: 5 });
    expect(resolveConfig({ schema, algo: 'ppo', sets: ['checkpoint.keepLast=2'] }).checkpoint.keepLast).toBe(
      2,
    );
  });

  it('computes env steps per sampling round (0 runners samples locally)', () => {
    const config = resolveConfig({
      schema,
      algo: 'ppo',
      sets: ['envRunners.numEnvRunners=2', 'env.numEnvsPerRunner=4'],
    });
    expect(envStepsPerSampleRound(config)).toBe(2 * 4 * 64);
    const local = resolveConfig({ schema, algo: 'ppo', sets: ['envRunners.numEnvRunners=0'] });
    expect(envStepsPerSampleRound(local)).toBe(8 * 64);
  });
});
