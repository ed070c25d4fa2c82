/**
 * One client's session on a TypeScript env server: its vector env and its place in the state machine
 * of docs/env-protocol.md (section 7). The server (env-server.ts) routes each peer's requests here.
 */

import type { RgbFrame } from '../env.js';
import { explainNotContained } from '../spaces/explain.js';
import type { SpaceJson } from '../spaces/space.js';
import type { VectorEnv } from '../vector/vector-env.js';
import { type ActionLayout, decodeActions } from './action-codec.js';
import { FIELDS, type ServerErrorCode } from './protocol.js';
import {
  type Header,
  MessageBuilder,
  readArray,
  readOptionalInt,
  readOptionalMap,
  wireInfos,
} from './wire-codec.js';

/** A request answered with an `error` message of `code`. */
export class RequestError extends Error {
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    readonly field: string | null = null,
    readonly extra: Header = {},
  ) {
    super(message);
  }
}

/** One session: reset, step and render of its own vector env. */
export class ServerSession {
  state: 'need_reset' | 'running' = 'need_reset';
  /** performance.now() of the last request, for takeover of an idle single-env server. */
  lastActiveMs = performance.now();

  constructor(
    readonly env: VectorEnv,
    private readonly actionSpaceJson: SpaceJson,
    private readonly layout: ActionLayout,
  ) {}

  async reset(id: number, header: Header): Promise<Buffer[]> {
    const seed = readOptionalInt(header, FIELDS.seed, 0);
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

  async step(id: number, header: Header, frames: Buffer[]): Promise<Buffer[]> {
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

  /**
   * `render_result` with the frames [K, height, width, channels] of env `index` (K = 1) or of every env.
   * @throws RequestError `render` when the envs were not made to render or drew different shapes.
   */
  async render(id: number, header: Header): Promise<Buffer[]> {
    if (this.state !== 'running') throw new RequestError('state', 'render before reset: reset first', 'type');
    const n = this.env.numEnvs;
    const index = readOptionalInt(header, FIELDS.index, 0);
    if (index !== undefined && index >= n)
      throw new RequestError(
        'malformed',
        `index must be an env index in 0..${n - 1} or nil, got ${index}`,
        'index',
      );
    const render = this.env.render?.bind(this.env);
    if (this.env.renderMode !== 'rgb_array' || render === undefined) {
      throw new RequestError(
        'render',
        `${this.env.spec.id} was not made to render frames: make it with renderMode 'rgb_array' ` +
          '(rl env serve --render-mode rgb_array)',
      );
    }
    const frames: RgbFrame[] = [];
    for (const i of index === undefined ? Array.from({ length: n }, (_, k) => k) : [index]) {
      try {
        frames.push(await render(i));
      } catch (error) {
        const e = error as Error;
        throw new RequestError('render', `render of env ${i} raised ${e.name}: ${e.message}`, null, {
          traceback: e.stack ?? null,
        });
      }
    }
    const [first] = frames;
    const shape = [first!.height, first!.width, first!.channels];
    if (frames.some((f) => f.height !== shape[0] || f.width !== shape[1] || f.channels !== shape[2])) {
      throw new RequestError(
        'render',
        'the envs rendered frames of different shapes; render one env (index)',
      );
    }
    const pixels = frames.length === 1 ? first!.pixels : Buffer.concat(frames.map((f) => f.pixels));
    return new MessageBuilder({ type: 'render_result', id })
      .array(
        FIELDS.frames,
        new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength),
        [frames.length, ...shape],
        'uint8',
      )
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
