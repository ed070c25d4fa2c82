/**
 * `checkEnvById`: the env checker for an env id as a config or `rl env check <id>` names it.
 */
import { type CheckEnvOptions, checkEnv } from './check-env.js';
import type { EnvCheckReport } from './env-check-report.js';
import { type EnvOptions, findEnvResolver, makeEnvAsync } from './registry.js';
import { makeVectorEnv } from './vector/make-vector-env.js';

/** Options of {@link checkEnvById}. */
export interface CheckEnvByIdOptions extends CheckEnvOptions {
  /** Passed to the env factory (the config's `env.options`). */
  envOptions?: EnvOptions;
  /** Envs of the vector env built for an address (remote envs are vector envs). @default 2 */
  numEnvs?: number;
}

/**
 * Builds the env `id` names (registered id, module path, or an address, which is checked as a vector
 * env of `numEnvs` envs), checks it with `checkEnv`, and closes it.
 * @throws UnknownEnvError (from the registry) when the id does not resolve, or the error of a factory
 *   or connection that fails; problems of a built env are reported, not thrown.
 */
export async function checkEnvById(id: string, options: CheckEnvByIdOptions = {}): Promise<EnvCheckReport> {
  const { envOptions, numEnvs = 2, ...checkOptions } = options;
  if (findEnvResolver(id) !== undefined) {
    const vec = await makeVectorEnv(id, numEnvs, envOptions === undefined ? {} : { envOptions });
    try {
      return await checkEnv(vec, checkOptions);
    } finally {
      await vec.close();
    }
  }
  const env = await makeEnvAsync(id, envOptions);
  try {
    return await checkEnv(env, checkOptions);
  } finally {
    env.close();
  }
}
