/**
 * `serveVectorEnv`: serves a vector env over the tsrl env protocol (ZeroMQ ROUTER), one client session
 * at a time. A malformed or out-of-order request is answered with an `error` message; nothing a client
 * sends can stop the server except `close` with `shutdown: true`.
 */
import { Router } from 'zeromq';
import { createLogger } from '../../core/logger.js';
import { explainNotContained } from '../spaces/explain.js';
import type { SpaceJson } from '../spaces/space.js';
import type { VectorEnv } from '../vector/vector-env.js';
import { type ActionLayout, actionLayout, decodeActions } from './action-codec.js';
import { FIELDS, PROTOCOL_VERSION, type ServerErrorCode } from './protocol.js';
import {
  decodeHeader,
  type Header,
  MessageBuilder,
  readArray,
  readOptionalBool,
  readOptionalInt,
  readOptionalMap,
  WireFormatError,
  wireInfos,
} from './wire-codec.js';

const log = createLogger('env-server');

/** A running server. */
export interface EnvServer {
  /** The bound endpoint (with the real port when `:*` was asked for). */
  readonly address: string;
  /** Resolves once the server has stopped (after `close()` or a client's `close` with `shutdown`). */
  readonly done: Promise<void>;
  /** Stops serving, unbinds and closes the envs. Idempotent. */
  close(): Promise<void>;
}

class RequestError extends Error {
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    readonly field: string | null = null,
    readonly extra: Header = {},
  ) {
    super(message);
  }
}

/**
 * Binds `address` (default `tcp://127.0.0.1:5555`; `tcp://127.0.0.1:*` picks a free port) and serves
 * `vectorEnv` until `close()` or a client's `close` with `shutdown: true`; then closes `vectorEnv`.
 * Warns when the address accepts other machines (the protocol has no authentication).
 * @throws TypeError for an address that is not tcp://, ipc:// or inproc://, or a Tuple/Dict action
 *   space (not in protocol version 1); zeromq's error when the address cannot be bound (e.g. in use).
 */
export async function serveVectorEnv(
  vectorEnv: VectorEnv,
  address = 'tcp://127.0.0.1:5555',
): Promise<EnvServer> {
  if (!/^(tcp|ipc|inproc):\/\/./.test(address)) {
    throw new TypeError(
      `serveEnv: address (${address}) must look like tcp://127.0.0.1:5555 or ipc:///tmp/env.sock`,
    );
  }
  if (/:\/\/(0\.0\.0\.0|\*)/.test(address)) {
    log.warn(`${address} accepts connections from other machines; the env protocol has no authentication`);
  }
  // Before binding: a Tuple or Dict action space is refused here (TypeError), leaving no socket open.
  const session = new Session(vectorEnv);
  const router = new Router({ linger: 0 });
  try {
    await router.bind(address);
  } catch (error) {
    router.close();
    throw error;
  }
  let stopping = false;
  const done = (async () => {
    try {
      for await (const frames of router) {
        const [peer, ...rest] = frames;
        if (peer === undefined) continue;
        // A REQ peer puts an empty delimiter before its message; echo it back.
        const delimiter = rest[0]?.length === 0 ? rest.splice(0, 1) : [];
        const reply = await session.handle(peer, rest);
        await router.send([peer, ...delimiter, ...reply]);
        if (session.shutdownRequested) break;
      }
    } catch (error) {
      if (!stopping) log.error(`server loop failed: ${(error as Error).message}`);
    } finally {
      stopping = true;
      router.close();
      await vectorEnv.close();
    }
  })();
  const endpoint = router.lastEndpoint ?? address;
  log.info(`serving ${vectorEnv.spec.id} x${vectorEnv.numEnvs} on ${endpoint}`);
  return {
    address: endpoint,
    done,
    async close() {
      if (!stopping) {
        stopping = true;
        router.close();
      }
      await done;
    },
  };
}

/** One client at a time: the state machine of docs/env-protocol.md. */
class Session {
  private peer: Buffer | undefined;
  private state: 'await_hello' | 'need_reset' | 'running' = 'await_hello';
  shutdownRequested = false;
  private readonly actionSpaceJson: SpaceJson;
  private readonly layout: ActionLayout;

  constructor(private readonly env: VectorEnv) {
    this.actionSpaceJson = env.singleActionSpace.toJson();
    this.layout = actionLayout(this.actionSpaceJson);
  }

  async handle(peer: Buffer, frames: Buffer[]): Promise<Buffer[]> {
    let id: number | null = null;
    try {
      const header = decodeHeader(frames[0]);
      const rawId = header[FIELDS.id];
      if (typeof rawId !== 'number' || !Number.isSafeInteger(rawId) || rawId < 0) {
        throw new WireFormatError(
          'id',
          `id must be an integer >= 0, got ${JSON.stringify(rawId) ?? 'nothing'}`,
        );
      }
      id = rawId;
      return await this.dispatch(peer, id, header, frames);
    } catch (error) {
      const failure =
        error instanceof RequestError
          ? error
          : error instanceof WireFormatError
            ? new RequestError('malformed', error.message, error.field)
            : new RequestError('malformed', `server error: ${(error as Error).message}`);
      log.debug(`error reply (${failure.code}): ${failure.message}`);
      return new MessageBuilder({
        type: 'error',
        id,
        [FIELDS.code]: failure.code,
        [FIELDS.message]: failure.message,
        [FIELDS.field]: failure.field,
        ...failure.extra,
      }).frames();
    }
  }

  private async dispatch(peer: Buffer, id: number, header: Header, frames: Buffer[]): Promise<Buffer[]> {
    const type = header[FIELDS.type];
    if (type === 'hello') return this.hello(peer, id, header);
    if (type !== 'reset' && type !== 'step' && type !== 'close') {
      throw new RequestError(
        'malformed',
        `type must be one of hello, reset, step, close, got ${JSON.stringify(type)}`,
        'type',
      );
    }
    if (this.peer === undefined)
      throw new RequestError('state', `${type} before hello: send hello first`, 'type');
    if (!this.peer.equals(peer)) {
      throw new RequestError('session', 'another client has taken over this server (newer hello); reconnect');
    }
    if (type === 'reset') return this.reset(id, header);
    if (type === 'step') return this.step(id, header, frames);
    this.peer = undefined;
    this.state = 'await_hello';
    this.shutdownRequested = readOptionalBool(header, FIELDS.shutdown, false);
    return new MessageBuilder({ type: 'closed', id }).frames();
  }

  private hello(peer: Buffer, id: number, header: Header): Buffer[] {
    const protocol = header[FIELDS.protocol];
    if (protocol !== PROTOCOL_VERSION) {
      throw new RequestError(
        'version',
        `protocol ${JSON.stringify(protocol) ?? 'nothing'} is not supported; this server speaks ${PROTOCOL_VERSION}`,
        'protocol',
        { [FIELDS.supported]: [PROTOCOL_VERSION] },
      );
    }
    this.peer = peer;
    this.state = 'need_reset';
    const { spec } = this.env;
    return new MessageBuilder({
      type: 'welcome',
      id,
      [FIELDS.protocol]: PROTOCOL_VERSION,
      [FIELDS.peer]: 'tsrl serveEnv',
      [FIELDS.numEnvs]: this.env.numEnvs,
      [FIELDS.observationSpace]: this.env.singleObservationSpace.toJson(),
      [FIELDS.actionSpace]: this.actionSpaceJson,
      [FIELDS.spec]: {
        id: spec.id,
        max_episode_steps: spec.maxEpisodeSteps ?? null,
        reward_threshold: spec.rewardThreshold ?? null,
      },
    }).frames();
  }

  private async reset(id: number, header: Header): Promise<Buffer[]> {
    const seed = readOptionalInt(header, FIELDS.seed);
    const options = readOptionalMap(header, FIELDS.options);
    this.state = 'need_reset';
    const result = await this.runEnv(() =>
      this.env.reset({
        ...(seed === undefined ? {} : { seed }),
        ...(options === undefined ? {} : { options }),
      }),
    );
    this.state = 'running';
    return new MessageBuilder({ type: 'reset_result', id, [FIELDS.infos]: wireInfos(result.infos) })
      .array(FIELDS.obs, result.obs.slice(), [this.env.numEnvs, this.env.obsSize])
      .frames();
  }

  private async step(id: number, header: Header, frames: Buffer[]): Promise<Buffer[]> {
    if (this.state !== 'running') throw new RequestError('state', 'step before reset: reset first', 'type');
    const n = this.env.numEnvs;
    const integer = this.layout.dtype !== 'float32' && this.layout.dtype !== 'float64';
    const data = readArray(header, FIELDS.actions, frames, {
      dtypes: integer ? [this.layout.dtype, 'int64'] : [this.layout.dtype],
      shape: [n, ...this.layout.shape],
    });
    const actions = decodeActions(this.actionSpaceJson, this.layout, data, n);
    actions.forEach((action, i) => {
      const why = explainNotContained(this.env.singleActionSpace, action);
      if (why !== undefined) {
        throw new RequestError(
          'invalid-action',
          `actions[${i}]: ${why}; no env was stepped`,
          `actions[${i}]`,
        );
      }
    });
    const r = await this.runEnv(() => this.env.step(actions));
    // No copies although the vector env reuses its arrays and zeromq sends large frames without copying:
    // the next step (which overwrites them) only comes after the client has received this whole reply.
    return new MessageBuilder({ type: 'step_result', id, [FIELDS.infos]: wireInfos(r.infos) })
      .array(FIELDS.obs, r.obs, [n, this.env.obsSize])
      .array(FIELDS.rewards, r.rewards, [n])
      .array(FIELDS.terminated, r.terminated, [n])
      .array(FIELDS.truncated, r.truncated, [n])
      .array(FIELDS.finalObs, r.finalObs, [n, this.env.obsSize])
      .frames();
  }

  private async runEnv<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.state = 'need_reset';
      const e = error as Error;
      throw new RequestError('env', `the env raised ${e.name}: ${e.message}`, null, {
        traceback: e.stack ?? null,
      });
    }
  }
}
