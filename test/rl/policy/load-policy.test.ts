import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../../algorithms/index.js';
import { loadPolicy } from '../../../algorithms/load-policy.js';
import { makeEnv } from '../../../envs/registry.js';
import { CheckpointError } from '../../../rl/checkpoint/checkpoint-error.js';
import { evaluateCheckpoint } from '../../../rl/evaluation/evaluate-checkpoint.js';
import type { LoadedPolicy } from '../../../rl/policy/load-policy.js';
import { trainCartPole } from './train-cartpole.js';

const root = mkdtempSync(join(tmpdir(), 'tsrl-policy-'));
let checkpointDir = '';
let policy: LoadedPolicy;
beforeAll(async () => {
  const trained = await trainCartPole(join(root, 'run'));
  expect(trained.episodeReturnMean).toBeGreaterThanOrEqual(475);
  checkpointDir = trained.checkpointDir;
  policy = await loadPolicy(join(root, 'run'));
}, 240_000);
afterAll(() => {
  policy?.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** Runs one CartPole episode with `act` and returns its length (500 = balanced to the time limit). */
function episodeLength(act: (obs: Float32Array) => number, seed: number): number {
  const env = makeEnv('CartPole-v1');
  let { obs } = env.reset({ seed });
  for (let t = 1; ; t++) {
    const step = env.step(act(obs as Float32Array));
    if (step.terminated || step.truncated) return t;
    obs = step.obs;
  }
}

describe('loadPolicy', () => {
  it('loads the latest checkpoint of a run and describes it', () => {
    expect(policy.checkpointDir).toBe(checkpointDir);
    expect(policy.algorithm).toBe('ppo');
    expect(policy.envId).toBe('CartPole-v1');
    expect(policy.actionSpace).toMatchObject({ type: 'Discrete', n: 2 });
  });

  it('balances CartPole for 500 steps with deterministic actions, as rl evaluate does', async () => {
    const lengths = [0, 1, 2].map((seed) =>
      episodeLength((obs) => policy.computeAction(obs, { deterministic: true }) as number, seed),
    );
    expect(lengths).toEqual([500, 500, 500]);
    const evaluated = await evaluateCheckpoint(checkpointDir, {
      resolveAlgorithm: getAlgorithm,
      episodes: 3,
      writeResult: false,
    });
    expect(evaluated.summary.episodeReturnMean).toBe(500);
  });

  it('samples stochastic actions from its seed, and takes plain arrays for Box observations', async () => {
    // Near the decision boundary (pole upright, still) the policy is unsure: samples vary.
    const obs = [0, 0, 0, 0];
    const draw = async () => {
      const p = await loadPolicy(checkpointDir, { seed: 5 });
      return Array.from({ length: 200 }, () => p.computeAction(obs, { deterministic: false }) as number);
    };
    const a = await draw();
    expect(a).toEqual(await draw());
    expect(new Set(a)).toEqual(new Set([0, 1]));
    // A pole falling right gets a push right, deterministically, every time.
    const right = Array.from({ length: 20 }, () => policy.computeAction([0, 0, 0.15, 1.5]));
    expect(new Set(right)).toEqual(new Set([1]));
  });

  it('rejects observations that do not fit, and paths without a checkpoint', async () => {
    expect(() => policy.computeAction([0, 0, 0])).toThrow(
      /computeAction: obs has 3 values; the observation space .* has 4\./,
    );
    await expect(loadPolicy(join(root, 'nowhere'))).rejects.toThrow(CheckpointError);
  });
});
