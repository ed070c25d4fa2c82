import { describe, expect, it } from 'vitest';
import '../../envs/builtin/index.js';
import { FULL, runPreset } from './run-preset.js';

describe('configs/mountaincarcontinuous-sac.yaml', () => {
  // Full mode only: 60k env steps of SAC do not fit the reduced (CI) budget, and the short-run signal
  // (learning to stop wasting energy) says little. See the preset for what it reaches.
  it.runIf(FULL)(
    'reaches its expect block',
    async () => {
      const r = await runPreset('sac', 'configs/mountaincarcontinuous-sac.yaml', {
        envSteps: 60_000,
        episodeReturnMean: -5,
      });
      expect(r.best).toBeGreaterThanOrEqual(r.expected.episodeReturnMean);
    },
    1_800_000,
  );
});
