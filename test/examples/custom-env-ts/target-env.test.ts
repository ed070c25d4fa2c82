import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { checkEnv } from '../../../envs/check-env.js';
import { makeEnvAsync } from '../../../envs/registry.js';
import { TargetEnv } from '../../../examples/custom-env-ts/target-env.js';
import { describeOutcome, runRl } from '../../smoke/run-rl.js';

const MODULE_ID = './examples/custom-env-ts/target-env.ts:TargetEnv';
const LEFT = 0;
const STAY = 1;
const RIGHT = 2;

/** Steps towards the target until the episode ends; returns the rewards and the last step. */
function runOptimal(env: TargetEnv, seed: number) {
  let { obs } = env.reset({ seed });
  const rewards: number[] = [];
  for (;;) {
    const step = env.step((obs[1] ?? 0) > 0 ? RIGHT : LEFT);
    rewards.push(step.reward);
    obs = step.obs;
    if (step.terminated || step.truncated) return { rewards, last: step };
  }
}

describe('examples/custom-env-ts TargetEnv', () => {
  it('passes the env checker (spaces, dtypes, determinism under a seed)', async () => {
    const report = await checkEnv(new TargetEnv(), { seed: 3, numSteps: 200 });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('loads by module path through the registry, with options from a config', async () => {
    const env = await makeEnvAsync(MODULE_ID, { maxEpisodeSteps: 7 });
    expect(env.spec).toEqual({ id: 'TargetEnv-v0', maxEpisodeSteps: 7, rewardThreshold: 0.9 });
    expect(env).toBeInstanceOf(TargetEnv);
  });

  it('gives the same episode for the same seed and another for another seed', () => {
    const a = new TargetEnv();
    const b = new TargetEnv();
    expect(Array.from(a.reset({ seed: 11 }).obs)).toEqual(Array.from(b.reset({ seed: 11 }).obs));
    expect(Array.from(a.reset({ seed: 12 }).obs)).not.toEqual(Array.from(b.reset({ seed: 11 }).obs));
  });

  it('terminates (not truncates) on reaching the target, with reward -0.01 + 1', () => {
    const env = new TargetEnv();
    for (const seed of [0, 1, 2, 3, 4]) {
      const start = env.reset({ seed }).obs;
      const { rewards, last } = runOptimal(env, seed);
      expect(last.terminated).toBe(true);
      expect(last.truncated).toBe(false);
      expect(Math.abs(last.obs[1] ?? Number.NaN)).toBeLessThanOrEqual(0.05 + 1e-6);
      expect(rewards.at(-1)).toBeCloseTo(0.99, 12);
      for (const r of rewards.slice(0, -1)) expect(r).toBeCloseTo(-0.01, 12);
      // Moving 0.1 straight at it: the target is reached after ceil((distance - 0.05) / 0.1) steps.
      const distance = Math.abs(start[1] ?? Number.NaN);
      expect(rewards.length).toBe(Math.ceil((distance - 0.05) / 0.1 - 1e-6));
    }
  });

  it('truncates (not terminates) after maxEpisodeSteps steps without reaching the target', () => {
    const env = new TargetEnv({ maxEpisodeSteps: 25 });
    env.reset({ seed: 5 });
    let total = 0;
    for (let t = 1; t <= 25; t++) {
      const step = env.step(STAY);
      total += step.reward;
      expect(step.terminated).toBe(false);
      expect(step.truncated).toBe(t === 25);
    }
    expect(total).toBeCloseTo(-0.25, 12);
    expect(() => env.step(STAY)).toThrow(/episode ended; call reset\(\)/);
  });

  it('keeps the position within [-1, 1] at the walls', () => {
    const env = new TargetEnv({ maxEpisodeSteps: 40 });
    env.reset({ seed: 0 });
    for (let t = 0; t < 40; t++) {
      const { obs, terminated, truncated } = env.step(LEFT);
      expect(obs[0]).toBeGreaterThanOrEqual(-1);
      if (terminated || truncated) break;
    }
  });

  it('rejects bad use with errors that name what is wrong', () => {
    expect(() => new TargetEnv().step(RIGHT)).toThrow(/call reset\(\) before step\(\)/);
    const env = new TargetEnv();
    env.reset({ seed: 0 });
    expect(() => env.step(3)).toThrow(/action \(3\) must be 0 \(left\), 1 \(stay\) or 2 \(right\)/);
    expect(() => env.step(0.5)).toThrow(RangeError);
    expect(() => new TargetEnv({ stepSiz: 0.1 })).toThrow(
      /unknown option 'stepSiz' \(did you mean 'stepSize'\?\)/,
    );
    expect(() => new TargetEnv({ maxEpisodeSteps: 0 })).toThrow(/options\.maxEpisodeSteps \(0\)/);
    expect(() => new TargetEnv({ goalRadius: -1 })).toThrow(
      /options\.goalRadius \(-1\) must be a number in \(0, 1\]/,
    );
  });
});

describe('configs/target-env-ppo.yaml on the .ts source', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'tsrl-target-env-'));
  afterAll(() => rmSync(runDir, { recursive: true, force: true }));

  it('learns: mean return >= 0.6 within 6,144 env steps (seed 0; random scores about 0.07)', async () => {
    setLogLevel('warn');
    // Seed 0 reaches the preset's 0.85 at 3,584 env steps (14 iterations).
    const args = ['train', '--config', 'configs/target-env-ppo.yaml', '--output', runDir, '--seed', '0'];
    args.push('--set', `env.id=${MODULE_ID}`, '--stop-return', '0.6', '--stop-env-steps', '6144');
    args.push('--set', 'expect.withinEnvSteps=6144');
    const trained = await runRl(args);
    expect(trained.code, describeOutcome(args, trained)).toBe(0);
    const rows = readFileSync(join(runDir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { envSteps: number; episodeReturnMean: number | null });
    const last = rows.at(-1);
    expect(last?.episodeReturnMean).toBeGreaterThanOrEqual(0.6);
    expect(last?.envSteps).toBeLessThanOrEqual(6144);

    const evalArgs = ['evaluate', '--checkpoint', runDir, '--episodes', '20'];
    const evaluated = await runRl(evalArgs);
    expect(evaluated.code, describeOutcome(evalArgs, evaluated)).toBe(0);
    const mean = Number(/mean return (-?\d+\.\d+)/.exec(evaluated.stdout)?.[1]);
    expect(mean).toBeGreaterThan(0.07);
  });
});
