/**
 * `serveVectorEnv`: serves vector envs over the tsrl env protocol (ZeroMQ ROUTER). Each client
 * (peer) has its own session: given a factory, the server builds each session its own vector env, so
 * several clients (env runners, evaluation) share one address; given one vector env, one client holds
 * it at a time. A malformed or out-of-order request is answered with an `error` message; nothing a
 * client sends can stop the server except `close` with `shutdown: true`.
 */
import { Router } from 'zeromq';
import { createLogger } from '../../core/logger.js';
import type { SpaceJson } from '../spaces/space.js';
import type { VectorEnv } from '../vector/vector-env.js';
import { type ActionLayout, actionLayout } from './action-codec.js';
import { FIELDS, PROTOCOL_VERSION } from './protocol.js';
import { RequestError, ServerSession } from './server-session.js';
import {
  decodeHeader,
  type Header,
  MessageBuilder,
  readOptionalBool,
  WireFormatError,
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

/** Builds a vector env of `numEnvs` envs for one session. */
export type VectorEnvFactory = (numEnvs: number) => Promise<VectorEnv>;

/** Options of {@link serveVectorEnv}. */
export interface ServeVectorEnvOptions {
  /** With a factory: envs of a session whose `hello` does not ask for a number. @default 1 */
  readonly numEnvs?: number;
  /** With a factory: sessions at once; a newer one ends the least recently used. @default 16 */
  readonly maxSessions?: number;
  /** With a factory: the most envs a `hello` may ask for. @default 1024 */
  readonly maxEnvsPerSession?: number;
  /**
   * With one vector env: how long its session must have been idle before another client may take it
   * over (a client that died never says so); a newer client is refused with `busy` before that.
   * @default 5000
   */
  readonly takeoverAfterMs?: number;
}

/**
 * Binds `address` (default `tcp://127.0.0.1:5555`; `tcp://127.0.0.1:*` picks a free port) and serves
 * until `close()` or a client's `close` with `shutdown: true`; then closes every vector env.
 * `source` is one vector env (one session at a time) or a factory (a vector env per session).
 * Warns when the address accepts other machines (the protocol has no authentication).
 * @throws TypeError for an address that is not tcp://, ipc:// or inproc://, a Tuple/Dict action space
 *   (not in protocol version 1) or an invalid option; zeromq's error when the address cannot be bound.
 */
export async function serveVectorEnv(
  source: VectorEnv | VectorEnvFactory,
  address = 'tcp://127.0.0.1:5555',
  options: ServeVectorEnvOptions = {},
): Promise<EnvServer> {
  if (!/^(tcp|ipc|inproc):\/\/./.test(address)) {
    throw new TypeError(
      `serveEnv: address (${address}) must look like tcp://127.0.0.1:5555 or ipc:///tmp/env.sock`,
    );
  }
  for (const key of ['numEnvs', 'maxSessions', 'maxEnvsPerSession'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1))
      throw new TypeError(`serveVectorEnv: options.${key} (${String(value)}) must be an integer >= 1`);
  }
  if (/:\/\/(0\.0\.0\.0|\*)/.test(address)) {
    log.warn(`${address} accepts connections from other machines; the env protocol has no authentication`);
  }
  const first = typeof source === 'function' ? await source(options.numEnvs ?? 1) : source;
  // Before binding: a Tuple or Dict action space is refused here (TypeError), leaving no socket open.
  let table: SessionTable;
  try {
    table = new SessionTable(first, typeof source === 'function' ? source : undefined, options);
  } catch (error) {
    await first.close();
    throw error;
  }
  const router = new Router({ linger: 0 });
  try {
    await router.bind(address);
  } catch (error) {
    router.close();
    await first.close();
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
        const reply = await table.handle(peer, rest);
        await router.send([peer, ...delimiter, ...reply]);
        if (table.shutdownRequested) break;
      }
    } catch (error) {
      if (!stopping) log.error(`server loop failed: ${(error as Error).message}`);
    } finally {
      stopping = true;
      router.close();
      await table.closeAll();
    }
  })();
  const endpoint = router.lastEndpoint ?? address;
  log.info(`serving ${first.spec.id} x${first.numEnvs} on ${endpoint}`);
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

/** The sessions of one server, by peer identity (hex), least recently used first. */
class SessionTable {
  shutdownRequested = false;
  private readonly sessions = new Map<string, ServerSession>();
  /** Peers whose session was ended to make room (or taken over), with why: they are told so. */
  private readonly ended = new Map<string, string>();
  /** Vector envs of ended sessions, reused by later ones (factory mode). */
  private readonly spare: VectorEnv[] = [];
  private readonly actionSpaceJson: SpaceJson;
  private readonly layout: ActionLayout;
  private readonly maxSessions: number;
  private readonly maxEnvs: number;
  private readonly takeoverAfterMs: number;

  constructor(
    private readonly first: VectorEnv,
    private readonly factory: VectorEnvFactory | undefined,
    options: ServeVectorEnvOptions,
  ) {
    this.actionSpaceJson = first.singleActionSpace.toJson();
    this.layout = actionLayout(this.actionSpaceJson);
    this.maxSessions = factory === undefined ? 1 : (options.maxSessions ?? 16);
    this.maxEnvs = options.maxEnvsPerSession ?? 1024;
    this.takeoverAfterMs = options.takeoverAfterMs ?? 5000;
    if (factory !== undefined) this.spare.push(first);
  }

  async handle(peerId: Buffer, frames: Buffer[]): Promise<Buffer[]> {
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
      return await this.dispatch(peerId.toString('hex'), id, header, frames);
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

  async closeAll(): Promise<void> {
    const envs = new Set([this.first, ...this.spare, ...[...this.sessions.values()].map((s) => s.env)]);
    this.sessions.clear();
    await Promise.all([...envs].map((env) => env.close()));
  }

  private async dispatch(peer: string, id: number, header: Header, frames: Buffer[]): Promise<Buffer[]> {
    const type = header[FIELDS.type];
    if (type === 'hello') return this.hello(peer, id, header);
    if (type !== 'reset' && type !== 'step' && type !== 'render' && type !== 'close') {
      throw new RequestError(
        'malformed',
        `type must be one of hello, reset, step, render, close, got ${JSON.stringify(type)}`,
        'type',
      );
    }
    const session = this.sessions.get(peer);
    if (session === undefined) {
      const why = this.ended.get(peer);
      if (why !== undefined)
        throw new RequestError('session', `this client's session was ended: ${why}; reconnect`);
      throw new RequestError('state', `${type} before hello: send hello first`, 'type');
    }
    this.touch(peer, session);
    if (type === 'reset') return session.reset(id, header);
    if (type === 'step') return session.step(id, header, frames);
    if (type === 'render') return session.render(id, header);
    await this.end(peer);
    this.shutdownRequested = readOptionalBool(header, FIELDS.shutdown, false);
    return new MessageBuilder({ type: 'closed', id }).frames();
  }

  private async hello(peer: string, id: number, header: Header): Promise<Buffer[]> {
    const protocol = header[FIELDS.protocol];
    // JS cannot tell msgpack's 1.0 from 1; `true` is refused here (it is no integer).
    if (typeof protocol !== 'number' || protocol !== PROTOCOL_VERSION) {
      throw new RequestError(
        'version',
        `protocol ${JSON.stringify(protocol) ?? 'nothing'} is not supported; this server speaks ${PROTOCOL_VERSION} (an integer)`,
        'protocol',
        { [FIELDS.supported]: [PROTOCOL_VERSION] },
      );
    }
    const asked = header[FIELDS.numEnvs];
    if (
      asked !== undefined &&
      asked !== null &&
      (typeof asked !== 'number' || !Number.isSafeInteger(asked) || asked < 1 || asked > this.maxEnvs)
    ) {
      throw new RequestError(
        'malformed',
        `num_envs must be an integer in 1..${this.maxEnvs} or nil, got ${JSON.stringify(asked)}`,
        FIELDS.numEnvs,
      );
    }
    const env = await this.sessionEnv(peer, typeof asked === 'number' ? asked : undefined);
    this.touch(peer, new ServerSession(env, this.actionSpaceJson, this.layout));
    this.ended.delete(peer);
    const { spec } = env;
    return new MessageBuilder({
      type: 'welcome',
      id,
      [FIELDS.protocol]: PROTOCOL_VERSION,
      [FIELDS.peer]: 'tsrl serveEnv',
      [FIELDS.numEnvs]: env.numEnvs,
      [FIELDS.observationSpace]: env.singleObservationSpace.toJson(),
      [FIELDS.actionSpace]: this.actionSpaceJson,
      [FIELDS.spec]: {
        id: spec.id,
        max_episode_steps: spec.maxEpisodeSteps ?? null,
        reward_threshold: spec.rewardThreshold ?? null,
      },
      [FIELDS.renderMode]: env.renderMode ?? null,
      [FIELDS.sessions]: this.factory !== undefined,
    }).frames();
  }

  /** The vector env of `peer`'s new session: its old one, a spare, a new one, or the one env. */
  private async sessionEnv(peer: string, asked: number | undefined): Promise<VectorEnv> {
    const old = this.sessions.get(peer);
    if (this.factory === undefined) {
      // One vector env: the same client again, or another once the holder has been idle long enough.
      for (const [holder, session] of this.sessions) {
        if (holder === peer) continue;
        const idleMs = performance.now() - session.lastActiveMs;
        if (idleMs < this.takeoverAfterMs) {
          throw new RequestError(
            'busy',
            `this server serves one vector env and another client holds it (active ${Math.round(idleMs)} ms ago); ` +
              `it may be taken over after ${this.takeoverAfterMs} ms idle. Serve with a factory for several clients`,
          );
        }
        this.sessions.delete(holder);
        this.ended.set(holder, 'another client took over the server after this one was idle');
      }
      return this.first;
    }
    const numEnvs = asked ?? this.first.numEnvs;
    if (old !== undefined) {
      if (old.env.numEnvs === numEnvs) return old.env;
      await this.end(peer);
    }
    while (this.sessions.size >= this.maxSessions) {
      const [lru] = this.sessions.keys();
      await this.end(
        lru!,
        `the server holds at most ${this.maxSessions} sessions and a newer client needed room`,
      );
    }
    const spare = this.spare.findIndex((env) => env.numEnvs === numEnvs);
    if (spare >= 0) return this.spare.splice(spare, 1)[0]!;
    try {
      return await this.factory(numEnvs);
    } catch (error) {
      const e = error as Error;
      throw new RequestError('env', `making ${numEnvs} envs raised ${e.name}: ${e.message}`, null, {
        traceback: e.stack ?? null,
      });
    }
  }

  private touch(peer: string, session: ServerSession): void {
    session.lastActiveMs = performance.now();
    this.sessions.delete(peer);
    this.sessions.set(peer, session);
  }

  private async end(peer: string, why?: string): Promise<void> {
    const session = this.sessions.get(peer);
    this.sessions.delete(peer);
    if (why !== undefined) {
      this.ended.set(peer, why);
      if (this.ended.size > 1024) this.ended.delete(this.ended.keys().next().value!);
    }
    if (session === undefined || this.factory === undefined) return;
    this.spare.push(session.env);
    // Keep a bounded number of spares; close the oldest.
    while (this.spare.length > this.maxSessions) await this.spare.shift()!.close();
  }
}
