/**
 * The built-in classic-control envs, exact to Gymnasium 1.x, and their registration under Gymnasium's
 * ids. Importing this module registers them (`makeEnv('CartPole-v1')`); each env truncates itself at
 * its registered `maxEpisodeSteps` (as `gymnasium.make` does with its `TimeLimit` wrapper), so no
 * time-limit wrapper is to be added on top.
 */
import type { Env } from '../env.js';
import { type EnvOptions, registerEnv } from '../registry.js';
import { AcrobotEnv, type AcrobotOptions } from './acrobot.js';
import { CartPoleEnv, type CartPoleOptions } from './cartpole.js';
import { MinAtarBreakoutEnv, type MinAtarBreakoutOptions } from './minatar-breakout.js';
import { MountainCarEnv, type MountainCarOptions } from './mountain-car.js';
import { MountainCarContinuousEnv, type MountainCarContinuousOptions } from './mountain-car-continuous.js';
import { PendulumEnv, type PendulumOptions } from './pendulum.js';

export { AcrobotEnv, type AcrobotOptions, bound, wrap } from './acrobot.js';
export { CartPoleEnv, type CartPoleOptions } from './cartpole.js';
export type { BuiltinEnvOptions } from './env-options.js';
export { BREAKOUT_CHANNELS, MinAtarBreakoutEnv, type MinAtarBreakoutOptions } from './minatar-breakout.js';
export { MountainCarEnv, type MountainCarOptions } from './mountain-car.js';
export { MountainCarContinuousEnv, type MountainCarContinuousOptions } from './mountain-car-continuous.js';
export { angleNormalize, PendulumEnv, type PendulumOptions } from './pendulum.js';

/** A built-in env: its factory and the line `rl env list` shows. */
export interface BuiltinEnvEntry {
  /** Builds the env; the options are validated by the env's constructor. */
  factory: (options?: EnvOptions) => Env;
  description: string;
}

// The constructors validate their options at run time (unknown keys, kinds), hence the casts.
/** The built-in envs by Gymnasium id. */
export const BUILTIN_ENVS: Readonly<Record<string, BuiltinEnvEntry>> = Object.freeze({
  'CartPole-v1': {
    factory: (options) => new CartPoleEnv(options as CartPoleOptions | undefined),
    description: 'Balance a pole on a cart; Discrete(2); 500 steps (Gymnasium 1.x)',
  },
  'Pendulum-v1': {
    factory: (options) => new PendulumEnv(options as PendulumOptions | undefined),
    description: 'Swing up a pendulum; Box(-2, 2, [1]) torque; 200 steps (Gymnasium 1.x)',
  },
  'MountainCar-v0': {
    factory: (options) => new MountainCarEnv(options as MountainCarOptions | undefined),
    description: 'Drive an underpowered car up a hill; Discrete(3); 200 steps (Gymnasium 1.x)',
  },
  'MountainCarContinuous-v0': {
    factory: (options) => new MountainCarContinuousEnv(options as MountainCarContinuousOptions | undefined),
    description: 'MountainCar with a continuous force; Box(-1, 1, [1]); 999 steps (Gymnasium 1.x)',
  },
  'Acrobot-v1': {
    factory: (options) => new AcrobotEnv(options as AcrobotOptions | undefined),
    description: 'Swing up a two-link arm; Discrete(3); 500 steps (Gymnasium 1.x)',
  },
  'MinAtar/Breakout-v1': {
    factory: (options) => new MinAtarBreakoutEnv(options as MinAtarBreakoutOptions | undefined),
    description: 'MinAtar Breakout (Young & Tian 2019): 10x10x4 pixels; Discrete(3); sticky actions 0.1',
  },
});

/** Registers every entry of {@link BUILTIN_ENVS} (again, replacing any user override of those ids). */
export function registerBuiltinEnvs(): void {
  for (const [id, { factory, description }] of Object.entries(BUILTIN_ENVS)) {
    registerEnv(id, factory, { description });
  }
}

registerBuiltinEnvs();
