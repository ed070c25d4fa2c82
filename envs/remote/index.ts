/**
 * The tsrl env protocol over ZeroMQ (docs/env-protocol.md): the `ZmqVectorEnv` client, the
 * `serveEnv`/`serveVectorEnv` servers, and the registry resolver that makes `tcp://` and `ipc://`
 * addresses valid env ids. Importing this module registers the resolver.
 */
import { type EnvOptions, type EnvResolver, registerEnvResolver } from '../registry.js';
import { ZmqVectorEnv, type ZmqVectorEnvOptions } from './zmq-vector-env.js';

export { type ActionLayout, actionLayout } from './action-codec.js';
export {
  type EnvServer,
  type ServeVectorEnvOptions,
  serveVectorEnv,
  type VectorEnvFactory,
} from './env-server.js';
export { PROTOCOL_VERSION, type ServerErrorCode, type WireDtype } from './protocol.js';
export { RemoteEnvError, type RemoteEnvErrorKind } from './remote-env-error.js';
export { type ServeEnvOptions, serveEnv } from './serve-env.js';
export { type RenderedFrame, ZmqVectorEnv, type ZmqVectorEnvOptions } from './zmq-vector-env.js';

const OPTION_KEYS = ['timeoutMs', 'connectTimeoutMs', 'shutdownServerOnClose'] as const;

/**
 * Reads `env.options` of a config naming a remote env into client options.
 * @throws TypeError naming the unknown or mistyped key.
 */
export function remoteEnvOptions(options: EnvOptions | undefined): ZmqVectorEnvOptions {
  const out: ZmqVectorEnvOptions = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (key === 'timeoutMs' || key === 'connectTimeoutMs') {
      if (typeof value !== 'number')
        throw new TypeError(`env.options.${key} (${String(value)}) must be a number of ms`);
      out[key] = value;
    } else if (key === 'shutdownServerOnClose') {
      if (typeof value !== 'boolean')
        throw new TypeError(`env.options.${key} (${String(value)}) must be true or false`);
      out[key] = value;
    } else {
      throw new TypeError(
        `env.options.${key} is not an option of a remote env; known: ${OPTION_KEYS.join(', ')}`,
      );
    }
  }
  return out;
}

/**
 * A server steps a fixed number of envs per message and the client asked for another number. Callers
 * that know which setting chose `requested` (a config key) rethrow it naming that setting.
 */
export class NumEnvsMismatchError extends TypeError {
  override readonly name = 'NumEnvsMismatchError';
  constructor(
    readonly address: string,
    readonly served: number,
    readonly requested: number,
  ) {
    super(
      `the env server at ${address} steps ${served} envs per message but ${requested} were asked for ` +
        `(it does not build envs per client); ask for ${served} or restart the server with --num-envs ${requested}`,
    );
  }
}

/** Resolves `tcp://...` and `ipc://...` env ids by connecting a ZmqVectorEnv. */
export const zmqEnvResolver: EnvResolver = {
  name: 'env protocol (ZeroMQ)',
  async makeVectorEnv(id, numEnvs, options) {
    // A server with sessions builds `numEnvs` envs for this client; an older one has its own count.
    const env = await ZmqVectorEnv.connect(id, { ...remoteEnvOptions(options), numEnvs });
    if (env.numEnvs !== numEnvs) {
      await env.close();
      throw new NumEnvsMismatchError(id, env.numEnvs, numEnvs);
    }
    return env;
  },
};

registerEnvResolver('tcp://', zmqEnvResolver);
registerEnvResolver('ipc://', zmqEnvResolver);
