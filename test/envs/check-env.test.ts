import { describe, expect, it } from 'vitest';
import { getLogLevel, setLogLevel, setLogSink } from '../../core/logger.js';
import { CartPoleEnv } from '../../envs/builtin/cartpole.js';
import { checkEnv } from '../../envs/check-env.js';
import { checkEnvById } from '../../envs/check-env-by-id.js';
import type { Env, ResetResult, StepResult } from '../../envs/env.js';
import { formatEnvCheckReport } from '../../envs/env-check-report.js';
import { registerEnvResolver } from '../../envs/registry.js';
import { Box } from '../../envs/spaces/box.js';
import { SyncVectorEnv } from '../../envs/vector/sync-vector-env.js';
import type { VectorEnv } from '../../envs/vector/vector-env.js';
import { TimeLimit } from '../../envs/wrappers/time-limit.js';
import { CountingEnv } from './fixtures/counting-env.js';

/** A CountingEnv whose step result is rewritten by `patch` (to break one thing at a time). */
function broken(patch: (r: StepResult<Float32Array>) => unknown, options?: Record<string, unknown>): Env {
  const env = new CountingEnv(options);
  const step = env.step.bind(env);
  env.step = (a: number) => patch(step(a)) as StepResult<Float32Array>;
  return env;
}

async function problemsOf(env: unknown) {
  const report = await checkEnv(env, { numSteps: 10 });
  return report.problems.map((p) => `${p.code} @ ${p.where}: ${p.message}`);
}

describe('checkEnv on single envs', () => {
  it('passes a correct env', async () => {
    const report = await checkEnv(new TimeLimit(new CountingEnv({ terminateAt: 4 }), 3), { numSteps: 10 });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.id).toBe('Counting-v0');
    expect(report.stepsRun).toBeGreaterThanOrEqual(20);
  });

  it('reports a numeric terminated with the value and expectation', async () => {
    const env = broken((r) => ({ ...r, terminated: r.terminated ? 1 : 0 }));
    expect(await problemsOf(env)).toContain(
      'terminated-not-boolean @ step 1 (episode 0): terminated is number 0; expected a boolean (true or false)',
    );
  });

  it('reports non-finite and non-number rewards', async () => {
    expect(await problemsOf(broken((r) => ({ ...r, reward: Number.NaN })))).toContain(
      'reward-invalid @ step 1 (episode 0): reward is number NaN; expected a finite number',
    );
    expect((await problemsOf(broken((r) => ({ ...r, reward: '1' }))))[0]).toContain('reward is string "1"');
  });

  it('reports observations of the wrong dtype, shape or outside the bounds', async () => {
    const dtype = await problemsOf(broken((r) => ({ ...r, obs: Float64Array.from(r.obs) })));
    expect(dtype[0]).toBe(
      'obs-not-in-space @ step 1 (episode 0): step 1 (episode 0) observation is not in the observation space ' +
        '(Box float32 [2]): expected a Float32Array (Box dtype float32) of 2 elements, got Float64Array(2) [1, 32]',
    );
    const shape = await problemsOf(broken((r) => ({ ...r, obs: new Float32Array(3) })));
    expect(shape[0]).toContain('expected 2 elements (shape [2]), got 3');
    const bounds = await problemsOf(broken((r) => ({ ...r, obs: new Float32Array([5000, 0]) })));
    expect(bounds[0]).toContain('element 0 (5000) is outside [-1000, 1000]');
  });

  it('reports a missing reset info object and Python-style tuples', async () => {
    const noInfo = new CountingEnv();
    const reset = noInfo.reset.bind(noInfo);
    noInfo.reset = (o) => ({ obs: reset(o).obs }) as ResetResult<Float32Array>;
    expect(await problemsOf(noInfo)).toContain(
      'reset-info-missing @ reset({ seed: 0 }): reset() returned info = undefined; expected an object ({} when there is nothing to report)',
    );
    const tuple = broken((r) => [r.obs, r.reward, r.terminated, r.truncated, r.info]);
    expect((await problemsOf(tuple))[0]).toContain(
      'expected an object { obs, reward, terminated, truncated, info } (not the Python tuple)',
    );
  });

  it('reports non-determinism under the same seed', async () => {
    let calls = 0;
    const env = new CountingEnv();
    const reset = env.reset.bind(env);
    env.reset = (o) => {
      const r = reset(o);
      r.obs[1] = calls++; // ignores the seed
      return r;
    };
    const [problem] = await problemsOf(env);
    expect(problem).toContain(
      'nondeterministic @ reset({ seed: 0 }): two runs with seed 0 and the same actions differ: observation element 1',
    );
  });

  it('warns when an ended episode silently continues', async () => {
    const report = await checkEnv(new CountingEnv({ terminateAt: 2 }), { numSteps: 5 });
    // CountingEnv keeps returning terminated (count >= 2) after the end: no warning.
    expect(report.problems).toEqual([]);
    const continues = broken((r) => ({ ...r, terminated: r.obs[0] === 2 }));
    const problems = await checkEnv(continues, { numSteps: 5 });
    expect(problems.ok).toBe(true);
    expect(problems.problems[0]).toMatchObject({
      code: 'step-after-done',
      severity: 'warning',
      where: 'step 3 without reset',
    });
  });

  it('reports exceptions, invalid spaces and non-envs without throwing', async () => {
    const throws = broken(() => {
      throw new RangeError('bad action');
    });
    expect(await problemsOf(throws)).toEqual([
      'step-threw @ step 1 (episode 0): step(number 0) threw RangeError: bad action',
    ]);
    const badSpace = new CountingEnv();
    Object.defineProperty(badSpace, 'observationSpace', {
      value: { ...new Box({ low: 0, high: 1 }), toJson: () => ({ type: 'Box' }) },
    });
    expect((await problemsOf(badSpace))[0]).toMatch(
      /^space-invalid @ observationSpace: observationSpace \(object \{type, .*\) is not a Space: missing sample, contains/,
    );
    expect(await problemsOf({ reset() {} })).toEqual([
      'not-an-env @ env: object {reset} is not an Env (an object with reset, step, close, observationSpace, actionSpace and spec) nor a VectorEnv (numEnvs, reset, step, close)',
    ]);
  });

  it('counts repeats and formats the report', async () => {
    const report = await checkEnv(
      broken((r) => ({ ...r, truncated: 'no' })),
      { numSteps: 5 },
    );
    expect(report.ok).toBe(false);
    const text = formatEnvCheckReport(report);
    expect(text.split('\n')[0]).toBe('Counting-v0: FAILED (env, 14 steps checked)');
    expect(text).toContain(
      'ERROR [truncated-not-boolean] step 1 (episode 0): truncated is string "no"; expected a boolean (true or false) (and 4 more times)',
    );
  });
});

describe('checkEnv on vector envs', () => {
  it('passes a SyncVectorEnv of correct envs', async () => {
    const vec = new SyncVectorEnv([new CountingEnv({ terminateAt: 2 }), new CountingEnv({ terminateAt: 3 })]);
    const report = await checkEnv(vec, { numSteps: 6 });
    expect(report.problems).toEqual([]);
    expect(report.kind).toBe('vector');
    expect(report.stepsRun).toBe(24);
  });

  it('reports wrong array types, flags and final observations outside the space', async () => {
    const inner = new SyncVectorEnv([new CountingEnv({ terminateAt: 2 })]);
    const wrap = (patch: (r: Awaited<ReturnType<VectorEnv['step']>>) => unknown): VectorEnv => ({
      numEnvs: 1,
      obsSize: 2,
      singleObservationSpace: inner.singleObservationSpace,
      singleActionSpace: inner.singleActionSpace,
      spec: inner.spec,
      reset: (o) => inner.reset(o),
      step: async (a) =>
        patch(await inner.step(a as readonly number[])) as Awaited<ReturnType<VectorEnv['step']>>,
      close: () => inner.close(),
    });
    const flags = await checkEnv(
      wrap((r) => ({ ...r, terminated: Array.from(r.terminated) })),
      { numSteps: 3 },
    );
    expect(flags.problems[0]?.message).toBe(
      'terminated is Array(1) [0]; expected a Uint8Array of 1 elements',
    );
    const final = await checkEnv(
      wrap((r) => ({ ...r, finalObs: new Float32Array([9999, 0]) })),
      { numSteps: 3 },
    );
    expect(final.problems[0]).toMatchObject({
      code: 'obs-not-in-space',
      where: 'step 2, env 0',
      message:
        'final observation row 0 is not in the observation space (Box float32 [2]): element 0 (9999) is outside [-1000, 1000]',
    });
  });
});

describe('checkEnvById', () => {
  it('builds, checks and closes an env named by a module path', async () => {
    const report = await checkEnvById('./test/envs/fixtures/counting-env.ts:CountingEnv', {
      envOptions: { terminateAt: 2 },
      numSteps: 4,
    });
    expect(report).toMatchObject({ ok: true, id: 'Counting-v0', kind: 'env' });
  });

  it('checks an address as a vector env through its resolver', async () => {
    registerEnvResolver('checktest://', {
      name: 'test',
      makeVectorEnv: (_id, n) =>
        Promise.resolve(new SyncVectorEnv(Array.from({ length: n }, () => () => new CountingEnv()))),
    });
    const report = await checkEnvById('checktest://x', { numSteps: 3, numEnvs: 3 });
    expect(report).toMatchObject({ ok: true, kind: 'vector', stepsRun: 18 });
  });
});

describe('checkEnv options', () => {
  it('rejects invalid options', async () => {
    await expect(checkEnv(new CountingEnv(), { numSteps: 0 })).rejects.toThrow(
      'checkEnv: options.numSteps (number 0) must be a positive integer.',
    );
    await expect(checkEnv(new CountingEnv(), { seed: 0.5 })).rejects.toThrow(
      'options.seed (number 0.5) must be an integer',
    );
  });
});

describe('checkEnv output', () => {
  it('logs nothing of its own making: the deliberate step after terminated is not a user warning', async () => {
    const lines: string[] = [];
    const previousSink = setLogSink((level, scope, text) => lines.push(`${level} ${scope}: ${text}`));
    const previousLevel = getLogLevel();
    setLogLevel('info');
    try {
      const report = await checkEnv(new CartPoleEnv(), { numSteps: 300 });
      expect(report.ok).toBe(true);
    } finally {
      setLogLevel(previousLevel);
      setLogSink(previousSink);
    }
    expect(lines).toEqual([]);
  });
});
