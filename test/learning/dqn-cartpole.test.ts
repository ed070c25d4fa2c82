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
      // The env steps at which the windowed mean first reached the target (undefined: never reached);
      // the run stops at the budget, so only a reached target can pass.
      expect(r.reachedAtEnvSteps, `last window ${r.lastReturn}`).toBeDefined();
      expect(r.reachedAtEnvSteps!).toBeLessThanOrEqual(r.expected.withinEnvSteps!);
    },
    FULL ? 900_000 : 180_000,
  );
});
