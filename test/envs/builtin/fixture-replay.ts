/**
 * Replays the transitions recorded from Gymnasium (fixtures/classic-control.json, written by
 * fixtures/make-fixtures.py) through one of our envs: assign the state, step, compare.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
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

/**
 * Our float64 state may differ from Gymnasium's in the last bit or two where V8's `Math.cos`/`Math.sin`
 * (fdlibm, error < 1 ulp) and the C library's (glibc, correctly rounded in practice) round differently:
 * a state element is accepted within this relative (absolute below 1) tolerance. Observations are
 * float32 and must match exactly.
 */
export const STATE_TOLERANCE = 1e-12;

/** How a replayed transition matched: exactly, or only within the tolerances. */
export interface Match {
  exactState: boolean;
  exactReward: boolean;
}

/**
 * Replays `t` and asserts: obs bit for bit, terminated exactly, the next state within
 * {@link STATE_TOLERANCE}, the reward within `rewardTolerance` (relative above 1).
 */
export function expectTransition(env: StatefulEnv, t: Transition, rewardTolerance = 0): Match {
  const r = replay(env, t);
  const where = `from state [${t.state.join(', ')}] with action ${JSON.stringify(t.action)}`;
  expect(r.obs, `obs ${where}`).toEqual(t.obs);
  expect(r.terminated, `terminated ${where}`).toBe(t.terminated);
  let exactState = true;
  for (let i = 0; i < t.nextState.length; i++) {
    const a = r.nextState[i]!;
    const e = t.nextState[i]!;
    if (a !== e) exactState = false;
    expect(Math.abs(a - e), `state[${i}] ${a} vs ${e} ${where}`).toBeLessThanOrEqual(
      STATE_TOLERANCE * Math.max(1, Math.abs(e)),
    );
  }
  expect(Math.abs(r.reward - t.reward), `reward ${r.reward} vs ${t.reward} ${where}`).toBeLessThanOrEqual(
    rewardTolerance * Math.max(1, Math.abs(t.reward)),
  );
  return { exactState, exactReward: r.reward === t.reward };
}

/** Replays every transition; returns how many matched the state and the reward bit for bit. */
export function expectTransitions(
  makeEnv: () => StatefulEnv,
  ts: readonly Transition[],
  rewardTolerance = 0,
): { exactStates: number; exactRewards: number } {
  let exactStates = 0;
  let exactRewards = 0;
  for (const t of ts) {
    const m = expectTransition(makeEnv(), t, rewardTolerance);
    if (m.exactState) exactStates++;
    if (m.exactReward) exactRewards++;
  }
  return { exactStates, exactRewards };
}
