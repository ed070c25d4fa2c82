/**
 * The TypeScript env server answers `render`: CartPole made with renderMode 'rgb_array' draws its state
 * (the cart where x says, the pole leaning as theta says), served frames equal the local ones, the
 * welcome reports the render mode, and envs made without it answer `render` errors that say how.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CartPoleEnv } from '../../../envs/builtin/cartpole.js';
import '../../../envs/builtin/index.js';
import type { RgbFrame } from '../../../envs/env.js';
import { type EnvServer, RemoteEnvError, serveEnv, ZmqVectorEnv } from '../../../envs/remote/index.js';
import { SyncVectorEnv } from '../../../envs/vector/sync-vector-env.js';
import { freshAddress } from './server-process.js';

let server: EnvServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Columns (x) of the pixels of `color`, and their rows (y, 0 at the top). */
function where(frame: RgbFrame, color: readonly number[]): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let p = 0; p < frame.width * frame.height; p++) {
    const o = p * 3;
    if (
      frame.pixels[o] === color[0] &&
      frame.pixels[o + 1] === color[1] &&
      frame.pixels[o + 2] === color[2]
    ) {
      xs.push(p % frame.width);
      ys.push(Math.floor(p / frame.width));
    }
  }
  return { xs, ys };
}
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const POLE = [202, 152, 101];

describe('CartPole rgb_array frames', () => {
  it('draw the cart at x and the pole leaning with theta, 600 x 400 as Gymnasium', () => {
    const env = new CartPoleEnv({ renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    env.state = [1.2, 0, 0.2, 0];
    const right = env.render();
    expect([right.height, right.width, right.channels]).toEqual([400, 600, 3]);
    // x = 1.2 of a 4.8-wide world: a quarter of the width right of the centre, at 450.
    const cart = where(right, [0, 0, 0]);
    const cartRows = cart.xs.filter((_, k) => cart.ys[k]! < 299); // above the track line
    expect(Math.min(...cartRows)).toBeGreaterThanOrEqual(424);
    expect(Math.max(...cartRows)).toBeLessThanOrEqual(476);
    const pole = where(right, POLE);
    // The pole's top end leans right of the cart's centre; its top is above the cart.
    const top = Math.min(...pole.ys);
    expect(mean(pole.xs.filter((_, k) => pole.ys[k]! < top + 10))).toBeGreaterThan(450 + 10);
    env.state = [0, 0, -0.2, 0];
    const left = where(env.render(), POLE);
    const leftTop = Math.min(...left.ys);
    expect(mean(left.xs.filter((_, k) => left.ys[k]! < leftTop + 10))).toBeLessThan(300 - 10);
  });

  it('are refused, with the option to set, by an env made without a render mode', async () => {
    expect(() => new CartPoleEnv().render()).toThrow(/renderMode: 'rgb_array'/);
    expect(() => new CartPoleEnv({ renderMode: 'human' as 'rgb_array' })).toThrow(
      /options.renderMode \(string "human"\) must be 'rgb_array' or null/,
    );
    const vector = new SyncVectorEnv([() => new CartPoleEnv()]);
    expect(vector.renderMode).toBeUndefined();
    await expect(vector.render(0)).rejects.toThrow(/renderMode: 'rgb_array'/);
  });
});

describe('serveEnv render', () => {
  it('serves the frames the local envs draw, one env or each', async () => {
    server = await serveEnv({
      id: 'CartPole-v1',
      envOptions: { renderMode: 'rgb_array' },
      numEnvs: 2,
      address: freshAddress('ipc'),
    });
    const remote = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
    expect(remote.renderMode).toBe('rgb_array');
    const local = new SyncVectorEnv([0, 1].map(() => () => new CartPoleEnv({ renderMode: 'rgb_array' })));
    await remote.reset({ seed: 3 });
    await local.reset({ seed: 3 });
    for (let t = 0; t < 5; t++) {
      await remote.step([1, 0]);
      await local.step([1, 0]);
    }
    for (const i of [0, 1]) {
      const served = await remote.render(i);
      const drawn = await local.render(i);
      expect([served.height, served.width, served.channels]).toEqual([400, 600, 3]);
      expect(Buffer.from(served.pixels).equals(Buffer.from(drawn.pixels))).toBe(true);
    }
    // The two envs moved apart (pushed right vs left): different pictures.
    expect(
      Buffer.from((await remote.render(0)).pixels).equals(Buffer.from((await remote.render(1)).pixels)),
    ).toBe(false);
    await remote.close();
  });

  it('answers `render` errors for envs made without a render mode; the session goes on', async () => {
    server = await serveEnv({ id: 'CartPole-v1', numEnvs: 1, address: freshAddress('ipc') });
    const remote = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
    expect(remote.renderMode).toBeUndefined();
    await remote.reset({ seed: 0 });
    const error = await remote.render(0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RemoteEnvError);
    expect((error as RemoteEnvError).kind).toBe('render');
    expect((error as Error).message).toMatch(/--render-mode rgb_array/);
    expect((await remote.step([0])).obs.length).toBe(4);
    await remote.close();
  });
});
