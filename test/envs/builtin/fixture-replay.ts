/**
 * Replays the transitions recorded from Gymnasium (fixtures/classic-control.json, written by
 * fixtures/make-fixtures.py) through one of our envs: assign the state, step, compare.
 */
import { readFileSync } from 'node:fs';
import type { Env } from '../../../envs/env.js';

/** One recorded transition. */
export interface Transition {
  state: number[];
  stateDtype: 'float32' | 'float64';
  action: number | number[];
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
  nextState: number[];
  nextStateDtype: 'float32' | 'float64';
}

interface FixtureFile {
  source: string;
  envs: Record<string, { edges: Transition[]; rollouts: Transition[] }>;
}

const file = JSON.parse(
  readFileSync(new URL('./fixtures/classic-control.json', import.meta.url), 'utf8'),
) as FixtureFile;

/** The recorded transitions of `id`: hand-picked edge cases and random rollouts. */
export function fixturesOf(id: string): { edges: Transition[]; rollouts: Transition[] } {
  const f = file.envs[id];
  if (f === undefined) throw new Error(`no fixtures for ${id}`);
  return f;
}

/** What our env produced for a transition. */
export interface Replayed {
  obs: number[];
  reward: number;
  terminated: boolean;
  nextState: number[];
}

/** An env whose physical state can be assigned. */
export type StatefulEnv = Env & { state: ArrayLike<number> };

/**
 * Replays `t` on `env` (reset first, so each transition starts a fresh episode): the state is assigned as
 * a Float32Array or Float64Array as Gymnasium held it, the action as a number or a Float32Array.
 */
export function replay(env: StatefulEnv, t: Transition): Replayed {
  env.reset({ seed: 0 });
  env.state = t.stateDtype === 'float32' ? Float32Array.from(t.state) : Float64Array.from(t.state);
  const action = typeof t.action === 'number' ? t.action : Float32Array.from(t.action);
  const r = env.step(action);
  if (!(r.obs instanceof Float32Array)) throw new Error('obs is not a Float32Array');
  return { obs: [...r.obs], reward: r.reward, terminated: r.terminated, nextState: Array.from(env.state) };
}
