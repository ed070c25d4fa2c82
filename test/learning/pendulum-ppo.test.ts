import { describe, expect, it } from 'vitest';
import { FULL, runPreset } from './run-preset.js';

describe('configs/pendulum-ppo.yaml', () => {
  it.runIf(FULL)(
    'reaches its expect block (mean return -200)',
    async () => {
      const r = await runPreset('ppo', 'configs/pendulum-ppo.yaml', {
        envSteps: 61_440,
        episodeReturnMean: -200,
      });
      expect(r.reachedAtEnvSteps, `last window ${r.lastReturn}`).toBeDefined();
      expect(r.reachedAtEnvSteps!).toBeLessThanOrEqual(r.expected.withinEnvSteps!);
    },
    1_800_000,
  );

  it.skipIf(FULL)(
    'learns: the last 20-episode window is >= -800 after 61k env steps (seed 0)',
    async () => {
      // The bar comes from no-learning runs of this preset (training.lr=1e-12, 61,440 env steps, wasm,
      // 2026-12-04): last windows -1303, -1235, -1243 (seeds 0-2); even their best windows were -1086,
      // -1066, -1073. The learning run (seed 0) ended at -462. So the whole budget runs and the LAST
      // window is asserted: a best window of a random policy clears a bar near -1100.
      const r = await runPreset(
        'ppo',
        'configs/pendulum-ppo.yaml',
        { envSteps: 61_440, episodeReturnMean: -800 },
        { runFullBudget: true },
      );
      expect(r.last?.envSteps).toBe(61_440);
      expect(r.lastReturn).not.toBeNull();
      expect(r.lastReturn!).toBeGreaterThanOrEqual(-800);
    },
    600_000,
  );
});
