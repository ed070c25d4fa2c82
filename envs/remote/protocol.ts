/**
 * The tsrl env protocol, version 1: the message vocabulary shared by the TypeScript client
 * (`ZmqVectorEnv`), the TypeScript server (`serveEnv`) and the Python server
 * (`envs/python/tsrl_env_server.py`). docs/env-protocol.md is the normative description; this file is
 * its TypeScript mirror and the one place a wire name is spelled.
 *
 * Framing: every message is one ZeroMQ multipart message. Frame 0 is a plain msgpack map (no
 * extensions); numeric arrays travel as extra raw little-endian frames, each described in the header
 * by an {@link ArrayDescriptor}. The client is a DEALER, the server a ROUTER.
 */

/** The protocol version this code speaks. Bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;

/** The dtypes an array frame may hold (numpy names; all little-endian). `bool` is one byte, 0 or 1. */
export type WireDtype = 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'bool';

/** Bytes per element of each wire dtype. */
export const WIRE_DTYPE_SIZES: Readonly<Record<WireDtype, number>> = {
  float32: 4,
  float64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  bool: 1,
};

/** How the header describes an array that travels as raw bytes in frame `frame` (1-based after the header). */
export interface ArrayDescriptor {
  dtype: WireDtype;
  /** Row-major; the frame holds exactly prod(shape) * itemsize bytes. */
  shape: number[];
  frame: number;
}

/** Request types (client -> server). */
export type RequestType = 'hello' | 'reset' | 'step' | 'render' | 'close';
/** Reply types (server -> client). */
export type ReplyType = 'welcome' | 'reset_result' | 'step_result' | 'render_result' | 'closed' | 'error';

/** The reply type that answers each request type (besides `error`). */
export const REPLY_FOR: Readonly<Record<RequestType, ReplyType>> = {
  hello: 'welcome',
  reset: 'reset_result',
  step: 'step_result',
  render: 'render_result',
  close: 'closed',
};

/**
 * Error codes a server sends in an `error` message:
 * - `malformed`: the request could not be decoded or a field is missing or of the wrong type.
 * - `version`: the client's protocol version is not supported (the reply lists `supported`).
 * - `state`: the request is not allowed now (step before reset, anything but hello before hello).
 * - `invalid-action`: an action is outside the action space; no env was stepped.
 * - `env`: the env itself raised; the client must reset before stepping again.
 * - `session`: this client's session was ended (another client took it over, or the server needed room).
 * - `busy`: a `hello` the server cannot give a session now (one vector env, held by another client).
 * - `render`: the env cannot render rgb_array frames; the session is unchanged.
 */
export type ServerErrorCode =
  | 'malformed'
  | 'version'
  | 'state'
  | 'invalid-action'
  | 'env'
  | 'session'
  | 'busy'
  | 'render';

/** All server error codes, for validation. */
export const SERVER_ERROR_CODES: readonly ServerErrorCode[] = [
  'malformed',
  'version',
  'state',
  'invalid-action',
  'env',
  'session',
  'busy',
  'render',
];

/** Field names of the wire messages (snake_case so that every language reads them naturally). */
export const FIELDS = {
  type: 'type',
  id: 'id',
  protocol: 'protocol',
  peer: 'peer',
  numEnvs: 'num_envs',
  observationSpace: 'observation_space',
  actionSpace: 'action_space',
  spec: 'spec',
  seed: 'seed',
  options: 'options',
  actions: 'actions',
  obs: 'obs',
  rewards: 'rewards',
  terminated: 'terminated',
  truncated: 'truncated',
  finalObs: 'final_obs',
  infos: 'infos',
  shutdown: 'shutdown',
  code: 'code',
  message: 'message',
  field: 'field',
  supported: 'supported',
  renderMode: 'render_mode',
  sessions: 'sessions',
  index: 'index',
  frames: 'frames',
} as const;

/** The spec as it travels in `welcome`: `max_episode_steps` is null for no limit. */
export interface WireSpec {
  id: string;
  max_episode_steps: number | null;
  reward_threshold?: number | null;
}
