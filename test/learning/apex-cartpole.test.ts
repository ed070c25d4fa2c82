import { describe, expect, it } from 'vitest';
import { FULL, runPreset } from './run-preset.js';

describe('configs/cartpole-apex.yaml', () => {
  it(
    FULL
      ? 'reaches its expect block (mean return 475 within 150k env steps)'
      : 'learns: mean return >= 100 within 40k env steps (seed 0, 3 runner actors, 2 replay shards)',
    async () => {
      // Reduced bar: random play scores ~22. Sampling is asynchronous, so runs differ in detail.
      const r = await runPreset('apex-dqn', 'configs/cartpole-apex.yaml', {
        envSteps: 40_000,
        episodeReturnMean: 100,
      });
      expect(r.reachedAtEnvSteps).toBeDefined();
      expect(r.reachedAtEnvSteps!).toBeLessThanOrEqual(r.expected.withinEnvSteps! + 256);
      const apex = r.last!['apex'] as {
        replaySizes: Record<string, number>;
        runners: Record<string, { epsilon: number }>;
      };
      // Both shards got transitions; each runner explored with its own epsilon.
      expect(Object.values(apex.replaySizes).every((n) => n > 0)).toBe(true);
      expect(Object.values(apex.runners).map((x) => x.epsilon)).toEqual([0.1, 0.1 ** 4.5, 0.1 ** 8]);
    },
    FULL ? 900_000 : 300_000,
  );
});
