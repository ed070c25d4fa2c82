/**
 * `envRunners.numEnvRunners`: a count, or `auto` (the default), resolved when the config is read, so
 * the saved config holds the number a run used (a resumed run keeps it on any machine).
 *
 * The `auto` rule, from measurements (bench/sampling.ts: PPO's CartPole policy, 8 or 16 envs per
 * runner, synchronous rounds):
 * - up to 2 cores: 0, sampling inline in the driver. On the 2-core machine (2026-12-04, load 8-10,
 *   `rl bench train`'s sampling rows) inline sampled 24.7k env steps/s, one runner actor 24.1k and two
 *   11.8k: a runner process buys nothing there and competes with the learner for the same cores.
 * - more cores: min(cores - 2, 8) runner actors, two cores left to the driver, learner and object
 *   store. On 16 cores (bench/gpu/benchmarks/40-sampling.sh) sampling ran at 55k env steps/s inline,
 *   86k with 4 runners, 92k with 8 and 103k with 14: most of the gain is there by 8, and the learner
 *   needs cores too.
 * PPO's presets keep an explicit 0: their train batch is runners x envs x fragment, so `auto` would
 * change the algorithm with the machine; off-policy presets (DQN, SAC) keep their gradient steps per
 * env step (`trainingIntensity`) whatever the runner count.
 */
import { availableParallelism } from 'node:os';
import { ConfigError } from './config-error.js';
import type { Schema } from './schema.js';

/** The `auto` rule (see the module comment) for a machine with `cores` cores. */
export function autoNumEnvRunners(cores: number): number {
  return cores <= 2 ? 0 : Math.min(cores - 2, 8);
}

/** The schema of `envRunners.numEnvRunners`: an integer >= 0 or `auto` (default), parsed to a number. */
export function numEnvRunnersSchema(): Schema<number> {
  const expected = "an integer >= 0 or 'auto'";
  const resolveAuto = () => autoNumEnvRunners(availableParallelism());
  return {
    kind: 'number',
    expected,
    description:
      'Env-runner actors; 0 samples in the driver process (RLlib num_env_runners=0); auto: 0 on up to 2 cores, else min(cores - 2, 8).',
    defaultValue: resolveAuto,
    parse(value, path) {
      if (value === undefined || value === null || value === 'auto') return resolveAuto();
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
      throw new ConfigError({ path, value, message: `must be ${expected}`, fix: 'try auto, 0, 1 or 4' });
    },
  };
}
