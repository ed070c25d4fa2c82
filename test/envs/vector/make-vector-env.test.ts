import { afterEach, describe, expect, it } from 'vitest';
import { registerEnv, registerEnvResolver, unregisterEnv } from '../../../envs/registry.js';
import { makeVectorEnv } from '../../../envs/vector/make-vector-env.js';
import type { VectorEnv } from '../../../envs/vector/vector-env.js';
import { TimeLimit } from '../../../envs/wrappers/time-limit.js';
import { CountingEnv } from '../fixtures/counting-env.js';

describe('makeVectorEnv', () => {
  afterEach(() => {
    unregisterEnv('VecCounting-v0');
  });

  it('builds N copies of a registered id with options and a wrapper', async () => {
    registerEnv('VecCounting-v0', (o) => new CountingEnv(o));
    const vec = await makeVectorEnv('VecCounting-v0', 3, {
      envOptions: { reward: 2 },
      wrap: (env) => new TimeLimit(env, 1),
    });
    expect(vec.numEnvs).toBe(3);
    await vec.reset({ seed: 1 });
    const r = await vec.step([0, 0, 1]);
    expect(Array.from(r.rewards)).toEqual([2, 2, 4]);
    expect(Array.from(r.truncated)).toEqual([1, 1, 1]);
  });

  it('accepts a factory and a module path', async () => {
    const a = await makeVectorEnv(() => new CountingEnv(), 2);
    expect(a.numEnvs).toBe(2);
    const b = await makeVectorEnv('./test/envs/fixtures/counting-env.ts:CountingEnv', 1);
    expect(b.obsSize).toBe(2);
  });

  it('hands addresses to the registered resolver', async () => {
    const fake = { numEnvs: 4 } as VectorEnv;
    registerEnvResolver('vectest://', {
      name: 'test',
      makeVectorEnv: (_id, n) => Promise.resolve({ ...fake, numEnvs: n }),
    });
    const vec = await makeVectorEnv('vectest://x', 5);
    expect(vec.numEnvs).toBe(5);
  });

  it('rejects a bad numEnvs', async () => {
    await expect(makeVectorEnv(() => new CountingEnv(), 0)).rejects.toThrow(
      'numEnvs (number 0) must be a positive integer',
    );
  });
});
