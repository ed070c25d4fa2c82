/**
 * Which env of a wrapper chain draws frames: the outermost one made with renderMode `'rgb_array'`
 * (wrappers do not draw; they hold the env they wrap in `env`, as Gymnasium's `Wrapper` does).
 */
import type { Env, RgbFrame } from './env.js';

/** An env that renders rgb_array frames. */
export type RenderingEnv = Env & { readonly renderMode: 'rgb_array'; render(): RgbFrame };

/** The env of `env`'s wrapper chain that renders rgb_array frames, or undefined. */
export function findRenderingEnv(env: Env): RenderingEnv | undefined {
  let current: unknown = env;
  for (let depth = 0; depth < 64 && typeof current === 'object' && current !== null; depth++) {
    const e = current as Partial<Env> & { env?: unknown };
    if (e.renderMode === 'rgb_array' && typeof e.render === 'function') return e as RenderingEnv;
    current = e.env;
  }
  return undefined;
}
