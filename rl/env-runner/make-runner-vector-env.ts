/**
 * The vector env of an env runner, from the `env` config section (envs' `makeVectorEnv`: in-process
 * SyncVectorEnv for registered ids and module paths, a remote vector env for addresses), with the
 * observation filter when `env.normalizeObservations` is on.
 */
import { makeVectorEnv } from '../../envs/vector/make-vector-env.js';
import type { VectorEnv } from '../../envs/vector/vector-env.js';
import { NormalizeObservation } from '../../envs/wrappers/normalize-observation.js';
import type { CommonConfig } from '../config/common.js';

/**
 * Builds the vector env.
 * @throws UnknownEnvError (from the registry) naming the id, with a did-you-mean.
 */
export async function makeRunnerVectorEnv(env: CommonConfig['env'], numEnvs: number): Promise<VectorEnv> {
  const envOptions = env.options as Record<string, unknown>;
  if (!env.normalizeObservations) return makeVectorEnv(env.id, numEnvs, { envOptions });
  return makeVectorEnv(env.id, numEnvs, { envOptions, wrap: (e) => new NormalizeObservation(e) });
}
