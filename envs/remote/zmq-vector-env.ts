/**
 * `ZmqVectorEnv`: a vector env served by another process over the tsrl env protocol (ZeroMQ DEALER
 * client). Usable anywhere a local `VectorEnv` is. Every reply is validated; every failure is a
 * {@link RemoteEnvError} whose `kind` says what to do next.
 *
 * Ordering and blocking: one request is in flight at a time (calls must be awaited in turn). After a
 * `timeout`, `disconnected` or `protocol` error the client refuses further calls with that error until
 * `reconnect()`; then call `reset()` before `step()`.
 */
import type { Dealer } from 'zeromq';
import { createLogger } from '../../core/logger.js';
import type { EnvSpec, Info, RgbFrame } from '../env.js';
import { explainNotContained } from '../spaces/explain.js';
import type { Space, SpaceValue } from '../spaces/space.js';
import type { VectorEnv, VectorResetResult, VectorStepResult } from '../vector/vector-env.js';
import { encodeActions } from './action-codec.js';
import { Handshake, serverError } from './handshake.js';
import { FIELDS, REPLY_FOR, type RequestType } from './protocol.js';
import type { Welcome } from './read-welcome.js';
import { RemoteEnvError } from './remote-env-error.js';
import {
  decodeHeader,
  type Header,
  isPlainMap,
  MessageBuilder,
  readArray,
  readInfos,
  show,
  WireFormatError,
  wireInteger,
} from './wire-codec.js';

const log = createLogger('env-remote');

/** One rendered frame: rgb(a) pixels, row-major [height, width, channels]. */
export type RenderedFrame = RgbFrame;

const isPositiveInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;

/** Options of {@link ZmqVectorEnv.connect}. */
export interface ZmqVectorEnvOptions {
  /** Longest wait for any reply, in ms. @default 30000 */
  timeoutMs?: number;
  /** Longest wait for the `welcome` when connecting, in ms. @default 10000 */
  connectTimeoutMs?: number;
  /** Ask the server process to exit when this client closes. @default false */
  shutdownServerOnClose?: boolean;
  /**
   * Envs to ask the server for (sent in `hello`). A server with sessions builds this many for this
   * client; an older server answers with its own count, which `numEnvs` then reports.
   * @default the server's choice
   */
  numEnvs?: number;
}

interface ResolvedOptions {
  timeoutMs: number;
  connectTimeoutMs: number;
  shutdownServerOnClose: boolean;
  numEnvs: number | undefined;
}

interface Pending {
  id: number;
  type: RequestType;
  resolve: (reply: { header: Header; frames: Buffer[] }) => void;
  reject: (error: RemoteEnvError) => void;
}

function resolveOptions(options: ZmqVectorEnvOptions): ResolvedOptions {
  const check = (name: keyof ZmqVectorEnvOptions, value: number): number => {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(
        `ZmqVectorEnv.connect: options.${name} (${String(value)}) must be a positive number of ms`,
      );
    }
    return value;
  };
  return {
    timeoutMs: check('timeoutMs', options.timeoutMs ?? 30_000),
    connectTimeoutMs: check('connectTimeoutMs', options.connectTimeoutMs ?? 10_000),
    shutdownServerOnClose: options.shutdownServerOnClose ?? false,
    numEnvs: checkNumEnvs(options.numEnvs),
  };
}

function checkNumEnvs(numEnvs: number | undefined): number | undefined {
  if (numEnvs !== undefined && (!Number.isSafeInteger(numEnvs) || numEnvs < 1)) {
    throw new RangeError(
      `ZmqVectorEnv.connect: options.numEnvs (${String(numEnvs)}) must be an integer >= 1`,
    );
  }
  return numEnvs;
}

/** A remote vector env; create with {@link ZmqVectorEnv.connect}. */
export class ZmqVectorEnv implements VectorEnv {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly spec: EnvSpec;
  readonly obsSize: number;
  /** The env's render mode as the server reports it (`rgb_array`: {@link render} works). */
  readonly renderMode: string | undefined;
  private socket: Dealer;
  private welcome: Welcome;
  private pending: Pending | undefined;
  private nextId = 1;
  private broken: RemoteEnvError | undefined;
  private closed = false;

  private constructor(
    readonly address: string,
    private readonly options: ResolvedOptions,
    socket: Dealer,
    welcome: Welcome,
  ) {
    this.socket = socket;
    this.welcome = welcome;
    this.numEnvs = welcome.numEnvs;
    this.singleObservationSpace = welcome.observationSpace;
    this.singleActionSpace = welcome.actionSpace;
    this.spec = welcome.spec;
    this.obsSize = welcome.observationSpace.flatSize;
    this.renderMode = welcome.renderMode;
  }

  /**
   * Connects to a server at `address` (`tcp://host:port` or `ipc:///path`) and performs the handshake.
   * @throws RemoteEnvError `timeout` when no welcome arrives within `connectTimeoutMs`, `version` on a
   *   protocol mismatch, `protocol` when the welcome is invalid.
   * @throws RangeError for invalid options.
   */
  static async connect(address: string, options: ZmqVectorEnvOptions = {}): Promise<ZmqVectorEnv> {
    const resolved = resolveOptions(options);
    const bootstrap = new Handshake(address, resolved);
    const { socket, welcome } = await bootstrap.run();
    const env = new ZmqVectorEnv(address, resolved, socket, welcome);
    env.nextId = bootstrap.nextId;
    env.listen();
    return env;
  }

  /**
   * Drops the current connection and opens a new one with a new handshake (the server starts a new
   * session for it). Call `reset()` next. Works after any error kind.
   * @throws RemoteEnvError as {@link ZmqVectorEnv.connect}, or `protocol` when the server now serves
   *   different spaces or a different number of envs.
   */
  async reconnect(): Promise<void> {
    if (this.closed)
      throw new RemoteEnvError('closed', this.address, 'reconnect() after close(); connect a new client');
    this.fail(new RemoteEnvError('disconnected', this.address, 'the connection was replaced by reconnect()'));
    this.socket.close();
    const bootstrap = new Handshake(this.address, this.options);
    const { socket, welcome } = await bootstrap.run();
    const same =
      welcome.numEnvs === this.numEnvs &&
      JSON.stringify([welcome.observationSpaceJson, welcome.actionSpaceJson]) ===
        JSON.stringify([this.welcome.observationSpaceJson, this.welcome.actionSpaceJson]);
    if (!same) {
      socket.close();
      throw new RemoteEnvError(
        'protocol',
        this.address,
        'after reconnecting, the server serves different spaces or numEnvs',
      );
    }
    this.socket = socket;
    this.welcome = welcome;
    this.nextId = bootstrap.nextId;
    this.broken = undefined;
    this.listen();
  }

  /** Resets every env; env i is seeded with `seed + i`. @throws RemoteEnvError */
  async reset(
    options: { seed?: number; options?: Record<string, unknown> } = {},
  ): Promise<VectorResetResult> {
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
      throw new RangeError(`ZmqVectorEnv.reset: seed (${String(options.seed)}) must be a safe integer`);
    }
    const { header, frames } = await this.request('reset', {
      [FIELDS.seed]: options.seed === undefined ? null : wireInteger(options.seed),
      [FIELDS.options]: options.options ?? null,
    });
    return this.decode(() => ({
      obs: this.readObs(header, frames, FIELDS.obs),
      infos: readInfos(header, FIELDS.infos, this.numEnvs) as Info[],
    }));
  }

  /**
   * Steps env i with `actions[i]`. Actions are checked against the action space before sending.
   * @throws RemoteEnvError `invalid-action` (nothing is sent), or any other kind from the server.
   */
  async step(actions: readonly SpaceValue[]): Promise<VectorStepResult> {
    if (actions.length !== this.numEnvs) {
      throw new RemoteEnvError(
        'invalid-action',
        this.address,
        `step: got ${actions.length} actions for ${this.numEnvs} envs`,
        'actions',
      );
    }
    actions.forEach((action, i) => {
      const why = explainNotContained(this.singleActionSpace, action);
      if (why !== undefined)
        throw new RemoteEnvError('invalid-action', this.address, `actions[${i}]: ${why}`, `actions[${i}]`);
    });
    const layout = this.welcome.actionLayout;
    const packed = encodeActions(layout, actions);
    const { header, frames } = await this.request('step', {}, (b) =>
      b.array(FIELDS.actions, packed, [this.numEnvs, ...layout.shape], layout.dtype),
    );
    return this.decode(() => {
      const n = this.numEnvs;
      const rewards = readArray(header, FIELDS.rewards, frames, {
        dtypes: ['float32', 'float64'],
        shape: [n],
      });
      return {
        obs: this.readObs(header, frames, FIELDS.obs),
        rewards: rewards instanceof Float32Array ? rewards : Float32Array.from(rewards),
        terminated: readFlags(header, FIELDS.terminated, frames, n),
        truncated: readFlags(header, FIELDS.truncated, frames, n),
        finalObs: this.readObs(header, frames, FIELDS.finalObs),
        infos: readInfos(header, FIELDS.infos, n) as Info[],
      };
    });
  }

  /**
   * The current rgb_array frame of env `index` (after `reset()`), as the server renders it: raw
   * uint8 pixels [height, width, channels] (3 or 4 channels), row-major.
   * @throws RemoteEnvError `render` when the env cannot render (made without render_mode='rgb_array',
   *   or a server without render support); the session stays usable.
   */
  async render(index = 0): Promise<RenderedFrame> {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.numEnvs) {
      throw new RangeError(`ZmqVectorEnv.render: index (${String(index)}) must be in 0..${this.numEnvs - 1}`);
    }
    const { header, frames } = await this.request('render', { [FIELDS.index]: index });
    return this.decode(() => {
      const descriptor = header[FIELDS.frames];
      const shape = isPlainMap(descriptor) ? descriptor['shape'] : undefined;
      const dims = Array.isArray(shape) ? shape : [];
      const [k, height, width, channels] = dims as unknown[];
      if (
        dims.length !== 4 ||
        k !== 1 ||
        !isPositiveInt(height) ||
        !isPositiveInt(width) ||
        (channels !== 3 && channels !== 4)
      ) {
        throw new WireFormatError(
          `${FIELDS.frames}.shape`,
          `frames.shape must be [1, height, width, 3 or 4], got ${show(shape)}`,
        );
      }
      const pixels = readArray(header, FIELDS.frames, frames, {
        dtypes: ['uint8'],
        shape: [1, height, width, channels],
      }) as Uint8Array;
      return { pixels, height, width, channels };
    });
  }

  /** Ends the session (best effort) and closes the socket. Idempotent; never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.broken === undefined && this.pending === undefined) {
      try {
        await this.request(
          'close',
          { [FIELDS.shutdown]: this.options.shutdownServerOnClose },
          undefined,
          1000,
        );
      } catch (error) {
        log.debug(`close: ${(error as Error).message}`);
      }
    }
    this.closed = true;
    this.fail(new RemoteEnvError('closed', this.address, 'the client was closed'));
    this.socket.close();
  }

  private readObs(header: Header, frames: Buffer[], field: string): Float32Array {
    return readArray(header, field, frames, {
      dtypes: ['float32'],
      shape: [this.numEnvs, this.obsSize],
    }) as Float32Array;
  }

  private decode<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof WireFormatError)) throw error;
      const failure = new RemoteEnvError(
        'protocol',
        this.address,
        `invalid reply: ${error.message}`,
        error.field,
      );
      this.broken = failure;
      throw failure;
    }
  }

  private async request(
    type: RequestType,
    fields: Header,
    addArrays?: (builder: MessageBuilder) => void,
    timeoutMs = this.options.timeoutMs,
  ): Promise<{ header: Header; frames: Buffer[] }> {
    if (this.closed) throw new RemoteEnvError('closed', this.address, `${type}() after close()`);
    if (this.broken !== undefined) {
      throw new RemoteEnvError(
        this.broken.kind,
        this.address,
        `${type}() refused until reconnect(): ${this.broken.message}`,
        this.broken.field,
      );
    }
    if (this.pending !== undefined) {
      throw new RemoteEnvError(
        'protocol',
        this.address,
        `${type}() while ${this.pending.type}() is in flight; await each call`,
      );
    }
    const id = this.nextId++;
    const builder = new MessageBuilder({ [FIELDS.type]: type, [FIELDS.id]: id, ...fields });
    addArrays?.(builder);
    const reply = new Promise<{ header: Header; frames: Buffer[] }>((resolve, reject) => {
      this.pending = { id, type, resolve, reject };
    });
    const timer = setTimeout(() => {
      this.fail(
        new RemoteEnvError(
          'timeout',
          this.address,
          `no reply to ${type} (id ${id}) within ${timeoutMs} ms; reconnect() then reset()`,
        ),
      );
    }, timeoutMs);
    // Not awaited before the reply: a send stuck behind a dead peer must still end at the timeout.
    this.socket.send(builder.frames()).catch((error: unknown) => {
      this.fail(
        new RemoteEnvError(
          'disconnected',
          this.address,
          `sending ${type} failed: ${(error as Error).message}`,
        ),
      );
    });
    try {
      return await reply;
    } finally {
      clearTimeout(timer);
      this.pending = undefined;
    }
  }

  /**
   * Rejects the request in flight (if any). With `breaks` (the connection or the peer can no longer be
   * trusted) further calls are refused until reconnect(); an error the server answered leaves the
   * session usable.
   */
  private fail(error: RemoteEnvError, breaks = true): void {
    if (breaks) this.broken ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  private listen(): void {
    const socket = this.socket;
    socket.events.on('disconnect', () => {
      if (socket !== this.socket || this.closed) return;
      this.fail(
        new RemoteEnvError(
          'disconnected',
          this.address,
          'the server closed the connection (it died or was stopped); reconnect() then reset()',
        ),
      );
    });
    void (async () => {
      try {
        for await (const frames of socket) this.onReply(frames);
      } catch (error) {
        if (socket === this.socket && !this.closed)
          log.debug(`receive loop ended: ${(error as Error).message}`);
      }
    })();
  }

  private onReply(frames: Buffer[]): void {
    const pending = this.pending;
    let header: Header;
    try {
      header = decodeHeader(frames[0]);
    } catch (error) {
      const field = error instanceof WireFormatError ? error.field : null;
      this.fail(
        new RemoteEnvError('protocol', this.address, `invalid reply: ${(error as Error).message}`, field),
      );
      return;
    }
    const id = header[FIELDS.id];
    // A late reply to a request that already timed out: recognised by its id and dropped.
    if (pending === undefined || (id !== pending.id && !(header[FIELDS.type] === 'error' && id === null))) {
      log.debug(`dropped a reply with id ${show(id)} (waiting for ${pending?.id ?? 'nothing'})`);
      return;
    }
    const type = header[FIELDS.type];
    if (type === 'error') {
      const error = serverError(this.address, header);
      // 'session': this session ended; anything else the server answered leaves the session intact.
      this.fail(error, error.kind === 'disconnected');
    } else if (type !== REPLY_FOR[pending.type]) {
      this.fail(
        new RemoteEnvError(
          'protocol',
          this.address,
          `expected ${REPLY_FOR[pending.type]} in reply to ${pending.type}, got ${show(type)}`,
          'type',
        ),
      );
    } else {
      this.pending = undefined;
      pending.resolve({ header, frames });
    }
  }
}

function readFlags(header: Header, field: string, frames: Buffer[], n: number): Uint8Array {
  const flags = readArray(header, field, frames, { dtypes: ['uint8', 'bool'], shape: [n] }) as Uint8Array;
  const bad = flags.findIndex((f) => f > 1);
  if (bad >= 0)
    throw new WireFormatError(`${field}[${bad}]`, `${field}[${bad}] must be 0 or 1, got ${flags[bad]}`);
  return flags;
}
