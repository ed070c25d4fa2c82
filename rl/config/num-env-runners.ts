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
 * Off-policy presets (DQN, SAC) keep their gradient steps per env step (`trainingIntensity`)
 * whatever the runner count. A PPO train batch is runners x envs x fragment, so PPO's presets set
 * `env.numEnvs`, the run's envs in all: the runners share them (numEnvsPerRunner = numEnvs /
 * runners), and `auto` takes the largest count up to the rule that divides numEnvs, so the train
 * batch, and with it the algorithm, is the same on every machine.
 *
 * `auto` is resolved with the whole config ({@link resolveEnvRunnerCounts}, the root's refine in
 * ./common.ts), as it depends on `env.numEnvs`.
 */
import { availableParallelism } from 'node:os';
import { ConfigError } from './config-error.js';
import type { RefineContext, Schema } from './schema.js';

/** What `auto` parses to until {@link resolveEnvRunnerCounts} replaces it by a count. */
const AUTO = -1;
/** What an absent `env.numEnvsPerRunner` parses to until {@link resolveEnvRunnerCounts} sets it. */
const UNSET = -1;
/** `env.numEnvsPerRunner` when neither it nor `env.numEnvs` is given. */
const DEFAULT_ENVS_PER_RUNNER = 8;

/** The `auto` rule (see the module comment) for a machine with `cores` cores. */
export function autoNumEnvRunners(cores: number): number {
  return cores <= 2 ? 0 : Math.min(cores - 2, 8);
}

/**
 * The schema of `envRunners.numEnvRunners`: an integer >= 0 or `auto` (default); `auto` becomes a count
 * when the whole config is read ({@link resolveEnvRunnerCounts}).
 */
export function numEnvRunnersSchema(): Schema<number> {
  const expected = "an integer >= 0 or 'auto'";
  return {
    kind: 'number',
    expected,
    description:
      'Env-runner actors; 0 samples in the driver process (RLlib num_env_runners=0); auto: 0 on up to 2 cores, else min(cores - 2, 8) (with env.numEnvs: the largest count up to that dividing it).',
    defaultValue: () => autoNumEnvRunners(availableParallelism()),
    parse(value, path) {
      if (value === undefined || value === null || value === 'auto') return AUTO;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
      throw new ConfigError({ path, value, message: `must be ${expected}`, fix: 'try auto, 0, 1 or 4' });
    },
  };
}

/**
 * The schema of `env.numEnvsPerRunner`: an integer >= 1, default 8 unless `env.numEnvs` sets it
 * ({@link resolveEnvRunnerCounts}; an absent value waits for that).
 */
export function numEnvsPerRunnerSchema(): Schema<number> {
  const expected = 'an integer >= 1';
  return {
    kind: 'number',
    expected,
    description:
      'Envs each env runner steps as one vector (default 8; env.numEnvs / runners when env.numEnvs is set).',
    defaultValue: () => DEFAULT_ENVS_PER_RUNNER,
    parse(value, path) {
      if (value === undefined || value === null) return UNSET;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
      throw new ConfigError({ path, value, message: `must be ${expected}`, fix: 'try 1, 4 or 8' });
    },
  };
}

/** The parts of a config {@link resolveEnvRunnerCounts} reads and sets. */
export interface EnvRunnerCounts {
  readonly env: { numEnvs?: number | undefined; numEnvsPerRunner: number };
  readonly envRunners: { numEnvRunners: number };
}

/**
 * Resolves `numEnvRunners: auto` for a machine with `cores` cores and, when `env.numEnvs` is set,
 * shares those envs among the runners (sets `env.numEnvsPerRunner`). An explicit
 * `env.numEnvsPerRunner` wins (`--set env.numEnvsPerRunner=2` on a preset with `numEnvs`): numEnvs is
 * then dropped, unless it agrees (a saved config holds both). In place: the config is the fresh
 * object the schema just parsed.
 * @throws ConfigError (through `ctx.fail`) when an explicit runner count does not divide env.numEnvs.
 */
export function resolveEnvRunnerCounts(
  config: EnvRunnerCounts,
  ctx: RefineContext,
  cores = availableParallelism(),
): void {
  const given = config.env.numEnvsPerRunner;
  const explicitRunners = config.envRunners.numEnvRunners !== AUTO;
  const runnersOf = (numEnvs: number | undefined): number => {
    if (explicitRunners) return config.envRunners.numEnvRunners;
    let r = autoNumEnvRunners(cores);
    if (numEnvs !== undefined) while (r > 1 && numEnvs % r !== 0) r--;
    return r;
  };
  let numEnvs = config.env.numEnvs;
  if (numEnvs !== undefined && given !== UNSET && given * Math.max(1, runnersOf(numEnvs)) !== numEnvs) {
    delete config.env.numEnvs;
    numEnvs = undefined;
  }
  const runners = runnersOf(numEnvs);
  config.envRunners.numEnvRunners = runners;
  if (numEnvs === undefined) {
    if (given === UNSET) config.env.numEnvsPerRunner = DEFAULT_ENVS_PER_RUNNER;
    return;
  }
  const shares = Math.max(1, runners);
  if (numEnvs % shares !== 0) {
    ctx.fail(
      'envRunners.numEnvRunners',
      runners,
      `must divide env.numEnvs (${numEnvs}): the runners share the run's envs equally`,
      `try auto, or a divisor of ${numEnvs}`,
    );
  }
  config.env.numEnvsPerRunner = numEnvs / shares;
}
