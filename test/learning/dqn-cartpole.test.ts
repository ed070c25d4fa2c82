import { describe, expect, it } from 'vitest';
import { FULL, runPreset } from './run-preset.js';

describe('configs/cartpole-dqn.yaml', () => {
  it(
    FULL
      ? 'reaches its expect block (mean return 475 within 100k env steps)'
      : 'learns: mean return >= 100 within 12k env steps (seed 0)',
    async () => {
      // Reduced bar: random play scores ~22; seed 0 passed 175 at 10k env steps on wasm.
      const r = await runPreset('dqn', 'configs/cartpole-dqn.yaml', {
        envSteps: 12_032,
        episodeReturnMean: 100,
      });
      expect(r.best).toBeGreaterThanOrEqual(r.expected.episodeReturnMean);
      expect(r.last!.envSteps).toBeLessThanOrEqual(r.expected.withinEnvSteps! + 64);
    },
    FULL ? 900_000 : 180_000,
  );
});
