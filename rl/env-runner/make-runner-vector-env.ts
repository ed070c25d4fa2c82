/**
 * The vector env of an env runner, from the `env` config section (envs' `makeVectorEnv`: in-process
 * SyncVectorEnv for registered ids and module paths, a remote vector env for addresses, a Python env
 * server started for `gymnasium:`/`python:` ids), with the observation filter when
 * `env.normalizeObservations` is on (one statistic over the runner's envs, frozen for evaluation:
 * ./normalize-vector-observation.ts). With `env.addresses`, runner i connects to addresses[i % n].
 */
import { makeVectorEnv } from '../../envs/vector/make-vector-env.js';
import type { VectorEnv } from '../../envs/vector/vector-env.js';
import type { CommonConfig } from '../config/common.js';
import { NormalizeVectorObservation } from './normalize-vector-observation.js';

const isPythonEnvId = (id: string): boolean => /^(gymnasium|python):/.test(id);
const ADDRESS = /^(tcp:\/\/[^\s:/]+:\d+|ipc:\/\/\S+)$/;

/**
 * The env id runner `runnerIndex` uses and the options handed to its env: `env.kwargs` travel as
 * the `kwargs` option of a Python env.
 * @throws TypeError naming `env.kwargs` or `env.addresses[i]` when they do not fit the env.
 */
export function runnerEnvTarget(
  env: CommonConfig['env'],
  runnerIndex = 0,
): { id: string; options: Record<string, unknown> } {
  const options = env.options as Record<string, unknown>;
  env.addresses.forEach((address, i) => {
    if (!ADDRESS.test(address))
      throw new TypeError(
        `env.addresses[${i}] (${JSON.stringify(address)}) must be tcp://HOST:PORT or ipc:///PATH`,
      );
  });
  const id = env.addresses.length > 0 ? env.addresses[runnerIndex % env.addresses.length]! : env.id;
  const kwargs = env.kwargs as Record<string, unknown>;
  if (Object.keys(kwargs).length === 0) return { id, options };
  if (!isPythonEnvId(id)) {
    throw new TypeError(
      `env.kwargs is for Python envs that tsrl starts (gymnasium:<Id>, python:<module>:<Class>), not ${id}; ` +
        'a TypeScript env takes env.options, a served env its server options',
    );
  }
  if (options['kwargs'] !== undefined)
    throw new TypeError('give the keyword arguments once: env.kwargs or env.options.kwargs, not both');
  return { id, options: { ...options, kwargs } };
}

/**
 * Builds the vector env of runner `runnerIndex` (training runners 0..N-1; evaluation 1000).
 * `numEnvsKey` is the config key that chose `numEnvs` (errors name it).
 * @throws UnknownEnvError (from the registry) naming the id, with a did-you-mean; TypeError as
 *   {@link runnerEnvTarget}, or naming `numEnvsKey` when a remote server steps another number of
 *   envs per message.
 */
export async function makeRunnerVectorEnv(
  env: CommonConfig['env'],
  numEnvs: number,
  numEnvsKey = 'env.numEnvsPerRunner',
  options: { runnerIndex?: number; frozenFilter?: boolean } = {},
): Promise<VectorEnv> {
  const { id, options: envOptions } = runnerEnvTarget(env, options.runnerIndex ?? 0);
  try {
    const vector = await makeVectorEnv(id, numEnvs, { envOptions });
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
