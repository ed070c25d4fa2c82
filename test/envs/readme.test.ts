/**
 * The custom env of envs/README.md, kept in sync by hand: it must pass the checker.
 */
import { describe, expect, it } from 'vitest';
import type { Env, ResetOptions, ResetResult, StepResult } from '../../envs/env.js';
import { Box, checkEnv, Discrete, SeededRng } from '../../envs/index.js';

class GridWalk implements Env<Float32Array, number> {
  readonly observationSpace = new Box({ low: 0, high: 9, shape: [1] });
  readonly actionSpace = new Discrete(2);
  readonly spec = { id: 'GridWalk-v0', maxEpisodeSteps: 50 };
  private rng = SeededRng.fromSeed(0);
  private pos = 0;
  private steps = 0;

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    if (options?.seed !== undefined) this.rng = SeededRng.fromSeed(options.seed);
    this.pos = this.rng.nextInt(5);
    this.steps = 0;
    return { obs: new Float32Array([this.pos]), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    this.pos = Math.min(9, Math.max(0, this.pos + (action === 1 ? 1 : -1)));
    this.steps++;
    const terminated = this.pos === 9;
    return {
      obs: new Float32Array([this.pos]),
      reward: terminated ? 1 : -0.01,
      terminated,
      truncated: !terminated && this.steps >= 50,
      info: {},
    };
  }

  close(): void {}
}

describe('envs/README.md example', () => {
  it('passes checkEnv', async () => {
    const report = await checkEnv(new GridWalk(), { numSteps: 200 });
    expect(report.problems).toEqual([]);
  });
});
