import { describe, expect, it } from 'vitest';
import { CartPoleEnv } from '../../../envs/builtin/cartpole.js';
import { SeededRng } from '../../../envs/rng.js';
import { SyncVectorEnv } from '../../../envs/vector/sync-vector-env.js';
import { NormalizeObservation } from '../../../envs/wrappers/normalize-observation.js';
import { CountingEnv } from '../fixtures/counting-env.js';

const make = () => new SyncVectorEnv([0, 1, 2].map(() => () => new NormalizeObservation(new CartPoleEnv())));

/** Steps `env` `count` times with actions from `rng`; returns every output, copied. */
function steps(env: SyncVectorEnv<number>, rng: SeededRng, count: number): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < count; t++) {
    const actions = [0, 1, 2].map(() => rng.nextUint32() % 2);
    const r = env.stepSync(actions);
    // finalObs rows are meaningful only where an episode ended (the others hold older values).
    const finalObs = Array.from(r.finalObs, (v, j) => {
      const i = Math.floor(j / env.obsSize);
      return r.terminated[i] === 1 || r.truncated[i] === 1 ? v : 0;
    });
    out.push([...r.obs, ...r.rewards, ...r.terminated, ...r.truncated, ...finalObs]);
  }
  return out;
}

describe('SyncVectorEnv state API', () => {
  it('step k, save, step m, restore into a new vector env, step m again: identical (autoresets included)', () => {
    const env = make();
    env.resetSync({ seed: 9 });
    const rng = SeededRng.fromSeed(1);
    steps(env, rng, 30);
    if (env.getState === undefined) throw new Error('SyncVectorEnv of CartPoles must have getState');
    const saved = JSON.parse(JSON.stringify(env.getState())) as unknown;
    const actionState = rng.getState();
    const expected = steps(env, rng, 120);
    const restored = make();
    restored.setState?.(saved);
    const actual = steps(restored, SeededRng.fromState(actionState), 120);
    expect(actual).toEqual(expected);
    // Episodes ended (and autoreset) during the compared steps.
    expect(expected.some((row) => row.slice(12, 15).some((t) => t === 1))).toBe(true);
  });

  it('has the state API only when every env has it (the env runner keys on its presence)', () => {
    expect(typeof make().getState).toBe('function');
    const mixed = new SyncVectorEnv<number>([
      new NormalizeObservation(new CountingEnv()),
      new NormalizeObservation(new CountingEnv()),
    ]);
    expect(mixed.getState).toBeUndefined();
    expect(mixed.setState).toBeUndefined();
  });

  it('restores a saved not-started vector env, and rejects malformed states naming the field', () => {
    const saved = make().getState?.();
    const env = make();
    env.resetSync({ seed: 0 });
    env.setState?.(saved);
    expect(() => env.stepSync([0, 0, 0])).toThrow('call reset() before step()');
    const good = make().getState?.();
    expect(() => env.setState?.({ ...good, numEnvs: 2 })).toThrow(
      'SyncVectorEnv.setState: state.numEnvs (number 2) and state.envs',
    );
    expect(() => env.setState?.({ ...good, started: 'yes' })).toThrow(
      'SyncVectorEnv.setState: state.started (string "yes") must be a boolean',
    );
    const envs = [...(good?.envs ?? [])];
    envs[1] = { rms: envs[1]?.['rms'], env: { id: 'CartPole-v1' } };
    expect(() => env.setState?.({ ...good, envs })).toThrow(
      'SyncVectorEnv.setState: state.envs[1]: NormalizeObservation.setState: state.env: CartPoleEnv.setState: state.state must be',
    );
  });
});
