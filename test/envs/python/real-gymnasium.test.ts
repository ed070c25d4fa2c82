/**
 * The real Gymnasium, where /usr/bin/python3 imports it: `gymnasium:` ids start a server that serves
 * `gymnasium.make(id, **kwargs)` (spaces, spec and kwargs as Gymnasium reports them, seeded resets
 * deterministic), Box actions (Pendulum), rgb_array frames (with pygame), and PPO with the CartPole
 * preset reaches its expected return on Gymnasium's CartPole-v1. Skipped, with the reason, where
 * gymnasium is missing: .ci/run cannot install it (Debian has no package, and CI reaches no PyPI), so
 * the fixtures of test/envs/python stand in for it there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { setLogLevel } from '../../../core/logger.js';
import { CartPoleEnv } from '../../../envs/builtin/cartpole.js';
import type { PythonVectorEnv } from '../../../envs/python/index.js';
import { Box } from '../../../envs/spaces/box.js';
import { Discrete } from '../../../envs/spaces/discrete.js';
import { makeVectorEnv } from '../../../envs/vector/make-vector-env.js';
import { describeOutcome, runRl } from '../../smoke/run-rl.js';
import { killAll, PYTHON, pythonMissing } from '../remote/server-process.js';

setLogLevel('error');

/** Why the tests cannot run here, or undefined. */
function missingModule(modules: string): string | undefined {
  const python = pythonMissing();
  if (python !== undefined) return python;
  try {
    execFileSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    const last = String((error as { stderr?: unknown }).stderr ?? '')
      .trim()
      .split('\n')
      .pop();
    return `${PYTHON} cannot import ${modules} (${last}); .ci/run does not install gymnasium (no Debian package), so CI runs the stand-in envs of test/envs/python instead`;
  }
}

const noGymnasium = missingModule('gymnasium');
const noPygame = noGymnasium ?? missingModule('pygame');
const work = mkdtempSync(join(tmpdir(), 'tsrl-gymnasium-'));
const opened: PythonVectorEnv[] = [];
afterAll(async () => {
  await Promise.all(opened.map((env) => env.close()));
  await killAll();
  rmSync(work, { recursive: true, force: true });
});

async function start(id: string, numEnvs: number, kwargs: Record<string, unknown> = {}) {
  const env = (await makeVectorEnv(id, numEnvs, {
    envOptions: { python: PYTHON, kwargs },
  })) as PythonVectorEnv;
  opened.push(env);
  return env;
}

describe.skipIf(noGymnasium !== undefined)(
  `the real gymnasium${noGymnasium === undefined ? '' : ` (skipped: ${noGymnasium})`}`,
  () => {
    it('gymnasium:CartPole-v1 has Gymnasium spaces and spec, kwargs reach gymnasium.make, seeded resets repeat', async () => {
      const env = await start('gymnasium:CartPole-v1', 3, { max_episode_steps: 7 });
      expect(env.singleObservationSpace).toBeInstanceOf(Box);
      expect((env.singleObservationSpace as Box).shape).toEqual([4]);
      expect(env.singleActionSpace).toBeInstanceOf(Discrete);
      expect((env.singleActionSpace as Discrete).n).toBe(2);
      // gymnasium.make(..., max_episode_steps=7) changes the spec it reports, and the episodes end there.
      expect(env.spec).toMatchObject({ id: 'CartPole-v1', maxEpisodeSteps: 7, rewardThreshold: 475 });
      const first = Array.from((await env.reset({ seed: 5 })).obs);
      const again = Array.from((await env.reset({ seed: 5 })).obs);
      expect(again).toEqual(first);
      expect(new Set(first.map((v) => v.toFixed(6))).size).toBeGreaterThan(3); // envs seeded 5, 6, 7 differ
      let truncatedAt = -1;
      for (let t = 1; t <= 7 && truncatedAt < 0; t++) {
        // Alternate pushes so that the pole does not fall within 7 steps.
        const step = await env.step([t % 2, t % 2, t % 2]);
        if (step.truncated[0] === 1) truncatedAt = t;
        expect(step.terminated[0]).toBe(0);
      }
      expect(truncatedAt).toBe(7);
    }, 60_000);

    it('gymnasium:Pendulum-v1 takes float32 Box actions', async () => {
      const env = await start('gymnasium:Pendulum-v1', 2);
      expect((env.singleActionSpace as Box).shape).toEqual([1]);
      await env.reset({ seed: 0 });
      const step = await env.step([Float32Array.of(2), Float32Array.of(-2)]);
      expect(step.rewards.every((r) => r <= 0 && r > -17)).toBe(true); // Pendulum's reward range
    }, 60_000);

    it.skipIf(noPygame !== undefined)(
      `renders rgb_array frames of gymnasium:CartPole-v1${noPygame === undefined ? '' : ` (skipped: ${noPygame})`}`,
      async () => {
        const env = await start('gymnasium:CartPole-v1', 1, { render_mode: 'rgb_array' });
        expect(env.renderMode).toBe('rgb_array');
        await env.reset({ seed: 0 });
        const frame = await env.render(0);
        expect([frame.height, frame.width, frame.channels]).toEqual([400, 600, 3]);
        expect(new Set(frame.pixels).size).toBeGreaterThan(2); // a picture, not a blank
      },
      60_000,
    );

    it.skipIf(noPygame !== undefined)(
      `tsrl's CartPole-v1 draws the frames Gymnasium's draws (but for anti-aliased edges)${noPygame === undefined ? '' : ` (skipped: ${noPygame})`}`,
      () => {
        const state = [1.0, 0, 0.15, 0];
        const code = [
          'import sys, numpy as np, gymnasium',
          'env = gymnasium.make("CartPole-v1", render_mode="rgb_array")',
          'env.reset(seed=0)',
          `env.unwrapped.state = np.array(${JSON.stringify(state)})`,
          'sys.stdout.buffer.write(env.render().tobytes())',
        ].join('\n');
        const theirs = execFileSync(PYTHON, ['-c', code], {
          maxBuffer: 8 << 20,
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const env = new CartPoleEnv({ renderMode: 'rgb_array' });
        env.reset({ seed: 0 });
        env.state = state;
        const ours = env.render().pixels;
        expect(theirs.length).toBe(ours.length);
        let differing = 0;
        for (let p = 0; p < ours.length; p += 3)
          if (ours[p] !== theirs[p] || ours[p + 1] !== theirs[p + 1] || ours[p + 2] !== theirs[p + 2])
            differing++;
        expect(differing / (ours.length / 3)).toBeLessThan(0.005); // 297 of 240,000 when written
      },
    );

    it('PPO with configs/cartpole-ppo.yaml reaches its expected 475 on gymnasium:CartPole-v1', async () => {
      const args = [
        'train',
        '--config',
        'configs/cartpole-ppo.yaml',
        '--set',
        'env.id=gymnasium:CartPole-v1',
        '--set',
        `env.options.python=${PYTHON}`,
        '--set',
        'checkpoint.atEnd=false',
        '--output',
        join(work, 'ppo'),
      ];
      const out = await runRl(args);
      expect(out.code, describeOutcome(args, out)).toBe(0);
      // The run stops at the preset's stop.episodeReturnMean (475); it must get there within the
      // env steps the preset's `expect` allows on tsrl's own CartPole-v1.
      const text = `${out.stdout}${out.stderr}`;
      expect(text).toMatch(/done: episodeReturnMean [\d.]+ >= 475/);
      const steps = [...text.matchAll(/steps ([\d,]+) \| return/g)].map((m) =>
        Number(m[1]!.replace(/,/g, '')),
      );
      const preset = parse(readFileSync('configs/cartpole-ppo.yaml', 'utf8')) as {
        expect: { withinEnvSteps: number };
      };
      expect(steps.at(-1)).toBeLessThanOrEqual(preset.expect.withinEnvSteps);
    }, 600_000);
  },
);
