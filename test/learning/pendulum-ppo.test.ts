import { describe, expect, it } from 'vitest';
import { FULL, runPreset } from './run-preset.js';

describe('configs/pendulum-ppo.yaml', () => {
  it(
    FULL
      ? 'reaches its expect block (mean return -200)'
      : 'learns: mean return >= -1100 within 61k env steps (seed 0)',
    async () => {
      // Reduced bar: a random policy scores about -1250 over a 20-episode window; seed 0 passed -1100
      // by ~25k-45k env steps in the runs that tuned this preset.
      const r = await runPreset('ppo', 'configs/pendulum-ppo.yaml', {
        envSteps: 61_440,
        episodeReturnMean: -1100,
      });
      expect(r.best).toBeGreaterThanOrEqual(r.expected.episodeReturnMean);
    },
    FULL ? 1_800_000 : 600_000,
  );
});
