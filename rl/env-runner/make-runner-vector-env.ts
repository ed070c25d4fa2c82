/**
 * The vector env of an env runner, from the `env` config section (envs' `makeVectorEnv`: in-process
 * SyncVectorEnv for registered ids and module paths, a remote vector env for addresses), with the
 * observation filter when `env.normalizeObservations` is on (one statistic over the runner's envs,
 * frozen for evaluation: ./normalize-vector-observation.ts).
 */
import { makeVectorEnv } from '../../envs/vector/make-vector-env.js';
import type { VectorEnv } from '../../envs/vector/vector-env.js';

import type { CommonConfig } from '../config/common.js';
import { NormalizeVectorObservation } from './normalize-vector-observation.js';

/**
 * Builds the vector env. `numEnvsKey` is the config key that chose `numEnvs` (errors name it).
 * @throws UnknownEnvError (from the registry) naming the id, with a did-you-mean; TypeError naming
 *   `numEnvsKey` when a remote server steps another number of envs per message.
 */
export async function makeRunnerVectorEnv(
  env: CommonConfig['env'],
  numEnvs: number,
  numEnvsKey = 'env.numEnvsPerRunner',
  options: { frozenFilter?: boolean } = {},
): Promise<VectorEnv> {
  const envOptions = env.options as Record<string, unknown>;
  try {
    const vector = await makeVectorEnv(env.id, numEnvs, { envOptions });
    if (!env.normalizeObservations) return vector;
    return new NormalizeVectorObservation(vector, { frozen: options.frozenFilter ?? false });
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
