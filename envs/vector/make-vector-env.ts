/**
 * `makeVectorEnv`: a vector env from an env id (registered id, module path or address) or a factory.
 */
// Registers the built-in envs (CartPole-v1, ...) so that every caller of makeVectorEnv can name them.
import '../builtin/index.js';
import type { Env } from '../env.js';
import { type EnvFactory, type EnvOptions, findEnvResolver, resolveEnvFactory } from '../registry.js';
import { describeValue } from '../spaces/describe-value.js';
import { SyncVectorEnv } from './sync-vector-env.js';
import type { VectorEnv } from './vector-env.js';

/** Env ids that name a remote env server rather than a registered env or a module. */
const REMOTE_ADDRESS = /^(tcp|ipc):\/\//;
/** Env ids of Python envs served by a server process that tsrl starts. */
const PYTHON_ENV = /^(gymnasium|python):/;

/**
 * True when `id` is served by another process (an env server address, or a Python env whose server
 * tsrl starts): its errors are worth a rebuild (a new connection, a new server), unlike a local env's.
 */
export function isServedEnvId(id: string): boolean {
  return REMOTE_ADDRESS.test(id) || PYTHON_ENV.test(id) || findEnvResolver(id) !== undefined;
}

/** Options of {@link makeVectorEnv}. */
export interface MakeVectorEnvOptions {
  /** Passed to every env's factory (the config's `env.options`). */
  envOptions?: EnvOptions;
  /** Applied to each env after it is built (e.g. `(env) => new TimeLimit(env, 200)`). */
  wrap?: (env: Env, index: number) => Env;
}

/**
 * Builds `numEnvs` copies of an env as one vector env: a SyncVectorEnv for registered ids, module
 * paths and factories; the resolver's vector env for addresses (`tcp://`, `ipc://`, once envs/remote
 * has registered its resolver).
 * @throws TypeError when `numEnvs` is not a positive integer; UnknownEnvError (from the registry) for
 *   an unknown id; VectorEnvError when an env fails to build.
 */
export async function makeVectorEnv(
  idOrFactory: string | EnvFactory,
  numEnvs: number,
  options: MakeVectorEnvOptions = {},
): Promise<VectorEnv> {
  if (!Number.isSafeInteger(numEnvs) || numEnvs < 1) {
    throw new TypeError(`makeVectorEnv: numEnvs (${describeValue(numEnvs)}) must be a positive integer.`);
  }
  let factory: EnvFactory;
  if (typeof idOrFactory === 'string') {
    let resolver = findEnvResolver(idOrFactory);
    if (resolver === undefined && REMOTE_ADDRESS.test(idOrFactory)) {
      // The ZeroMQ client loads zeromq, so it registers its resolver only when an address is named.
      await import('../remote/index.js');
      resolver = findEnvResolver(idOrFactory);
    } else if (resolver === undefined && PYTHON_ENV.test(idOrFactory)) {
      await import('../python/index.js');
      resolver = findEnvResolver(idOrFactory);
    }
    if (resolver !== undefined) {
      if (options.wrap !== undefined) {
        throw new TypeError(
          `makeVectorEnv: 'wrap' cannot apply to remote envs (${idOrFactory}); wrap them on the server.`,
        );
      }
      return resolver.makeVectorEnv(idOrFactory, numEnvs, options.envOptions);
    }
    factory = await resolveEnvFactory(idOrFactory);
  } else if (typeof idOrFactory === 'function') {
    factory = idOrFactory;
  } else {
    throw new TypeError(`makeVectorEnv: expected an env id or a factory, got ${describeValue(idOrFactory)}.`);
  }
  const { envOptions, wrap } = options;
  return new SyncVectorEnv(
    Array.from({ length: numEnvs }, (_, i) => () => {
      const env = factory(envOptions);
      return wrap === undefined ? env : wrap(env, i);
    }),
  );
}
