/**
 * A CartPole PPO policy trained once (seed 1, the preset's 100k-step schedule) and used outside
 * training: through loadPolicy in Node, and exported to TensorFlow.js and run in headless Chromium.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../../algorithms/index.js';
import { loadPolicy } from '../../../algorithms/load-policy.js';
import { CartPoleEnv } from '../../../envs/builtin/cartpole.js';
import { makeEnv } from '../../../envs/registry.js';
import { CheckpointError } from '../../../rl/checkpoint/checkpoint-error.js';
import { evaluateCheckpoint } from '../../../rl/evaluation/evaluate-checkpoint.js';
import { exportTfjs } from '../../../rl/export/export-tfjs.js';
import type { LoadedPolicy } from '../../../rl/policy/load-policy.js';
import { ARTIFACTS_DIR, launchChromium, serveDirectory } from '../../browser/chromium.js';
import { trainCartPole } from './train-cartpole.js';

const root = mkdtempSync(join(tmpdir(), 'tsrl-policy-'));
let checkpointDir = '';
let policy: LoadedPolicy;
beforeAll(async () => {
  const trained = await trainCartPole(join(root, 'run'));
  expect(trained.episodeReturnMean).toBe(500);
  checkpointDir = trained.checkpointDir;
  policy = await loadPolicy(join(root, 'run'));
}, 300_000);
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
    // On the decision boundary the policy is unsure, so samples vary. Find it by bisecting the pole's
    // angular velocity between a pole falling left (push left) and falling right (push right).
    const greedy = (w: number) => policy.computeAction([0, 0, 0, w], { deterministic: true }) as number;
    let [lo, hi] = [-2, 2];
    expect([greedy(lo), greedy(hi)]).toEqual([0, 1]);
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      if (greedy(mid) === 0) lo = mid;
      else hi = mid;
    }
    const obs = [0, 0, 0, (lo + hi) / 2];
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

describe('rl export --format tfjs', () => {
  it('writes a Layers model whose greedy actions equal loadPolicy, and a page that balances CartPole for 500 steps in Chromium', async () => {
    const out = join(root, 'export');
    const result = await exportTfjs(checkpointDir, out, { resolveAlgorithm: getAlgorithm });
    for (const f of result.files) expect(existsSync(join(out, f))).toBe(true);
    expect(result.info).toMatchObject({
      algorithm: 'ppo',
      envId: 'CartPole-v1',
      inputSize: 4,
      head: 'argmax',
    });
    const modelJson = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as {
      format: string;
      weightsManifest: { weights: { name: string; shape: number[] }[] }[];
    };
    expect(modelJson.format).toBe('layers-model');
    // The actor only: [4, 32], [32], [32, 32], [32], [32, 2], [2].
    expect(modelJson.weightsManifest[0]!.weights.map((w) => w.shape)).toEqual([
      [4, 32],
      [32],
      [32, 32],
      [32],
      [32, 2],
      [2],
    ]);

    const { url, server } = await serveDirectory(out);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      for (const seed of [0, 1]) {
        await page.goto(`${url}index.html?fast=1&seed=${seed}`);
        await page.waitForFunction(
          'window.tsrlEpisode !== undefined && window.tsrlEpisode.done === true',
          null,
          {
            timeout: 60_000,
          },
        );
        const episode = (await page.evaluate('window.tsrlEpisode')) as {
          steps: number;
          terminated: boolean;
          initialState: number[];
          actions: number[];
        };
        expect(episode.steps).toBe(500);
        expect(episode.terminated).toBe(false);
        expect(await page.textContent('#status')).toBe(`balanced the pole for 500 steps (seed ${seed})`);
        // The page's CartPole and model agree with tsrl's: replay its start in the built-in env.
        const env = new CartPoleEnv();
        env.reset({ seed: 0 });
        env.setState({ ...env.getState(), state: episode.initialState });
        let obs: Float32Array = Float32Array.from(episode.initialState);
        for (let t = 0; t < 100; t++) {
          expect(policy.computeAction(obs)).toBe(episode.actions[t]);
          obs = env.step(episode.actions[t]!).obs;
        }
      }
      // A person-viewable run: the animated page after some steps.
      await page.goto(`${url}index.html?seed=2`);
      await page.waitForTimeout(1500);
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'export-cartpole.png') });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
    copyFileSync(join(out, 'policy.json'), join(ARTIFACTS_DIR, 'export-policy.json'));
  }, 120_000);
});
