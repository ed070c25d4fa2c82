/**
 * `serveEnv`: builds a local vector env from a factory or a registry id and serves it over the tsrl
 * env protocol (see env-server.ts for the serving itself).
 */
import type { Env } from '../env.js';
import { type EnvOptions, resolveEnvFactory } from '../registry.js';
import { SyncVectorEnv } from '../vector/sync-vector-env.js';
import type { VectorEnv } from '../vector/vector-env.js';
import { type EnvServer, serveVectorEnv } from './env-server.js';

/**
 * Options of {@link serveEnv}: exactly one of `vectorEnv`, `envFactory`, `id`. With `envFactory` or
 * `id` every client gets its own envs (`numEnvs` unless its `hello` asks for another count); a
 * `vectorEnv` serves one client at a time.
 */
export interface ServeEnvOptions {
  /** Address to bind; `tcp://127.0.0.1:*` picks a free port (see {@link EnvServer.address}). @default 'tcp://127.0.0.1:5555' */
  address?: string;
  /** Envs of a client's session (with `envFactory` or `id`) unless its `hello` asks. @default 1 */
  numEnvs?: number;
  /** Clients served at once (with `envFactory` or `id`). @default 16 */
  maxSessions?: number;
  /** Builds one env. */
  envFactory?: () => Env;
  /** A registered env id or module path (see envs/registry.ts). */
  id?: string;
  /** Options passed to the env factory resolved from `id`. */
  envOptions?: EnvOptions;
  /** Serve this vector env as it is (the server closes it on shutdown). */
  vectorEnv?: VectorEnv;
}

/**
 * Builds the vector env (`numEnvs` copies in a SyncVectorEnv) and serves it at `address`.
 * @throws TypeError for invalid options (naming the option); the registry's UnknownEnvError for an
 *   unknown `id`; zeromq's error when the address cannot be bound.
 */
export async function serveEnv(options: ServeEnvOptions): Promise<EnvServer> {
  const numEnvs = options.numEnvs ?? 1;
  if (!Number.isSafeInteger(numEnvs) || numEnvs < 1) {
    throw new TypeError(`serveEnv: numEnvs (${String(numEnvs)}) must be an integer >= 1`);
  }
  const sources = [options.vectorEnv, options.envFactory, options.id].filter((x) => x !== undefined).length;
  if (sources !== 1)
    throw new TypeError(`serveEnv: give exactly one of vectorEnv, envFactory, id (got ${sources})`);
  if (options.vectorEnv !== undefined) return serveVectorEnv(options.vectorEnv, options.address);
  let factory = options.envFactory;
  if (factory === undefined) {
    const resolved = await resolveEnvFactory(options.id ?? '');
    factory = () => resolved(options.envOptions);
  }
  const make = factory;
  const vectorEnvOf = async (n: number): Promise<VectorEnv> =>
    new SyncVectorEnv(Array.from({ length: n }, () => make));
  return serveVectorEnv(vectorEnvOf, options.address, {
    numEnvs,
    ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
  });
}
