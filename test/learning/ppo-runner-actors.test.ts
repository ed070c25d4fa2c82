import { describe, expect, it } from 'vitest';
import { FULL, runPreset } from './run-preset.js';

const returns = (rows: readonly { envSteps: number; episodeReturnMean: number | null }[]) =>
  rows.map((r) => [r.envSteps, r.episodeReturnMean]);

describe('configs/cartpole-ppo.yaml with env-runner actors', () => {
  it(
    FULL
      ? 'one runner actor reaches 475 exactly as the inline runner does (same returns at the same env steps)'
      : 'one runner actor gives the inline run iteration for iteration; 2 runners x 4 envs also reach 100 within 10k env steps',
    async () => {
      const reduced = { envSteps: 10_240, episodeReturnMean: 100 };
      const file = 'configs/cartpole-ppo.yaml';
      const inline = await runPreset('ppo', file, reduced, { sets: ['envRunners.numEnvRunners=0'] });
      // One actor in a worker process: the same spec (seed) as the inline runner, samples by ref,
      // weights pulled per version, so the run is the same, bit for bit.
      const actor = await runPreset('ppo', file, reduced, { sets: ['envRunners.numEnvRunners=1'] });
      expect(returns(actor.rows)).toEqual(returns(inline.rows));
      expect(actor.reachedAtEnvSteps).toBeDefined();
      // Synchronous sampling: every fragment was sampled with the latest weights.
      expect(actor.rows.every((r) => (r['sampling'] as { weightLagMax: number }).weightLagMax === 0)).toBe(
        true,
      );
      if (FULL) return;
      // Two runners share the preset's env.numEnvs (8): 2 x 4 envs x 32 steps, the same train batch,
      // from other seeds.
      const two = await runPreset('ppo', file, reduced, { sets: ['envRunners.numEnvRunners=2'] });
      expect(two.rows[0]!.envSteps).toBe(inline.rows[0]!.envSteps);
      expect(two.rows[0]!.envSteps).toBe(8 * 32);
      expect(two.reachedAtEnvSteps).toBeDefined();
      expect(two.reachedAtEnvSteps!).toBeLessThanOrEqual(reduced.envSteps + 256);
    },
    FULL ? 600_000 : 240_000,
  );
});
