import { describe, expect, it } from 'vitest';
import * as envs from '../../envs/index.js';

describe('envs/index.ts', () => {
  it('exports the public API of the layer', () => {
    for (const name of [
      'Box',
      'Discrete',
      'MultiDiscrete',
      'MultiBinary',
      'TupleSpace',
      'DictSpace',
      'spaceFromJson',
      'SeededRng',
      'registerEnv',
      'makeEnv',
      'makeEnvAsync',
      'listEnvs',
      'registerEnvResolver',
      'SyncVectorEnv',
      'makeVectorEnv',
      'checkEnv',
      'formatEnvCheckReport',
      'TimeLimit',
      'RecordEpisodeStatistics',
      'NormalizeObservation',
      'NormalizeReward',
      'ClipReward',
      'RescaleAction',
      'ClipAction',
      'FrameStack',
      'RunningMeanStd',
      'unwrapEnv',
    ]) {
      expect(typeof (envs as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('registers the built-in envs, each passing checkEnv as a single and a vector env', async () => {
    const ids = envs.listEnvs().map((e) => e.id);
    for (const id of [
      'CartPole-v1',
      'Pendulum-v1',
      'MountainCar-v0',
      'MountainCarContinuous-v0',
      'Acrobot-v1',
    ]) {
      expect(ids).toContain(id);
      const single = await envs.checkEnv(envs.makeEnv(id), { numSteps: 50 });
      expect(single.problems, id).toEqual([]);
      const vector = await envs.checkEnv(await envs.makeVectorEnv(id, 2), { numSteps: 20 });
      expect(vector.problems, id).toEqual([]);
    }
  });
});
