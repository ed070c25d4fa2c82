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
 * Builds the vector env. `numEnvsKey` is the config key that chose `numEnvs` (errors name it).
 * @throws UnknownEnvError (from the registry) naming the id, with a did-you-mean; TypeError naming
 *   `numEnvsKey` when a remote server steps another number of envs per message.
 */
export async function makeRunnerVectorEnv(
  env: CommonConfig['env'],
  numEnvs: number,
  numEnvsKey = 'env.numEnvsPerRunner',
): Promise<VectorEnv> {
  const envOptions = env.options as Record<string, unknown>;
  try {
    if (!env.normalizeObservations) return await makeVectorEnv(env.id, numEnvs, { envOptions });
    return await makeVectorEnv(env.id, numEnvs, { envOptions, wrap: (e) => new NormalizeObservation(e) });
  } catch (error) {
    throw namingNumEnvsKey(error, numEnvsKey);
  }
}

/** A remote server's envs-per-message mismatch, told in terms of the config key that asked. */
function namingNumEnvsKey(error: unknown, key: string): unknown {
  const e = error as { name?: unknown; address?: unknown; served?: unknown; requested?: unknown };
  if (e?.name !== 'NumEnvsMismatchError' || typeof e.served !== 'number') return error;
  return new TypeError(
    `${key} (${String(e.requested)}) must be the number of envs the server at ${String(e.address)} steps per ` +
      `message (${e.served}): set ${key}=${e.served}, or restart the server with --num-envs ${String(e.requested)}.`,
    { cause: error },
  );
}
