import { describe, expect, it } from 'vitest';
import type { Env } from '../../../envs/env.js';
import { Box } from '../../../envs/spaces/box.js';
import { SyncVectorEnv, VectorEnvError } from '../../../envs/vector/sync-vector-env.js';
import { TimeLimit } from '../../../envs/wrappers/time-limit.js';
import { CountingEnv } from '../fixtures/counting-env.js';

describe('SyncVectorEnv', () => {
  it('batches observations row by row and seeds env i with seed + i', async () => {
    const vec = new SyncVectorEnv([() => new CountingEnv(), () => new CountingEnv()]);
    expect(vec.numEnvs).toBe(2);
    expect(vec.obsSize).toBe(2);
    const { obs, infos } = await vec.reset({ seed: 10 });
    const single = new CountingEnv();
    const off10 = single.reset({ seed: 10 }).obs[1];
    const off11 = single.reset({ seed: 11 }).obs[1];
    expect(Array.from(obs)).toEqual([0, off10, 0, off11]);
    expect(infos).toEqual([{ resets: 1 }, { resets: 1 }]);
  });

  it('autoresets in the same step and reports the final observation in finalObs', async () => {
    // env 0 terminates after 2 steps, env 1 after 3.
    const envs = [new CountingEnv({ terminateAt: 2 }), new CountingEnv({ terminateAt: 3 })];
    const vec = new SyncVectorEnv(envs);
    await vec.reset({ seed: 0 });
    let r = await vec.step([0, 1]);
    expect(Array.from(r.rewards)).toEqual([1, 2]);
    expect(Array.from(r.terminated)).toEqual([0, 0]);
    expect(r.obs[0]).toBe(1);
    r = await vec.step([1, 0]);
    expect(Array.from(r.terminated)).toEqual([1, 0]);
    expect(Array.from(r.truncated)).toEqual([0, 0]);
    // Row 0: the final obs has count 2, the new episode's first obs count 0.
    expect(r.finalObs[0]).toBe(2);
    expect(r.obs[0]).toBe(0);
    expect(r.obs[2]).toBe(2);
    expect(r.infos[0]).toEqual({ count: 2 });
    expect(envs[0]!.resets).toBe(2);
    r = await vec.step([0, 0]);
    expect(Array.from(r.terminated)).toEqual([0, 1]);
    expect(r.obs[0]).toBe(1);
    expect(r.finalObs[2]).toBe(3);
    expect(r.obs[2]).toBe(0);
  });

  it('reports truncation from a TimeLimit as truncated, not terminated', async () => {
    const vec = new SyncVectorEnv([() => new TimeLimit(new CountingEnv({ terminateAt: 100 }), 1)]);
    await vec.reset();
    const r = await vec.step([0]);
    expect([r.terminated[0], r.truncated[0], r.finalObs[0], r.obs[0]]).toEqual([0, 1, 1, 0]);
  });

  it('reuses its output arrays across steps, while reset returns a copy', async () => {
    const vec = new SyncVectorEnv([new CountingEnv()]);
    const { obs } = await vec.reset();
    const a = await vec.step([0]);
    const b = await vec.step([0]);
    expect(a).toBe(b);
    expect(a.obs).toBe(b.obs);
    expect(obs).not.toBe(a.obs);
    expect(obs[0]).toBe(0);
  });

  it('passes reset options and routes each action to its env', async () => {
    const envs = [new CountingEnv(), new CountingEnv(), new CountingEnv()];
    const vec = new SyncVectorEnv(envs);
    await vec.reset();
    await vec.step([1, 0, 1]);
    expect(envs.map((e) => e.lastAction)).toEqual([1, 0, 1]);
  });

  it('rejects misuse with precise errors', async () => {
    const vec = new SyncVectorEnv([new CountingEnv(), new CountingEnv()]);
    await expect(vec.step([0, 0])).rejects.toThrow('call reset() before step()');
    await vec.reset();
    await expect(vec.step([0])).rejects.toThrow('got 1 actions for 2 envs');
    await vec.close();
    await expect(vec.reset()).rejects.toThrow('the vector env is closed');
    expect(() => new SyncVectorEnv([])).toThrow('needs at least one env');
  });

  it('names the env whose step throws, keeping the cause', async () => {
    const broken = new CountingEnv();
    broken.step = () => {
      throw new Error('boom');
    };
    const vec = new SyncVectorEnv([new CountingEnv(), broken]);
    await vec.reset();
    const error = await vec.step([0, 0]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorEnvError);
    expect((error as VectorEnvError).envIndex).toBe(1);
    expect((error as Error).message).toBe('SyncVectorEnv: env 1 step failed: boom');
    expect(((error as Error).cause as Error).message).toBe('boom');
  });

  it('refuses envs with different spaces', () => {
    const other = new CountingEnv() as Env;
    Object.defineProperty(other, 'observationSpace', { value: new Box({ low: 0, high: 1, shape: [3] }) });
    expect(() => new SyncVectorEnv([new CountingEnv(), other])).toThrow(
      'env 1\'s observation space {"type":"Box","shape":[3]',
    );
  });

  it('closes every env once', async () => {
    const envs = [new CountingEnv(), new CountingEnv()];
    const vec = new SyncVectorEnv(envs);
    await vec.close();
    await vec.close();
    expect(envs.every((e) => e.closed)).toBe(true);
  });
});
