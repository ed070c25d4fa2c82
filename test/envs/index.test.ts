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
});
