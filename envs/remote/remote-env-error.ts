/**
 * The one error type a remote env raises, with a `kind` an env runner can act on.
 */

/**
 * What went wrong with a remote env, and what the caller can do:
 * - `timeout`: no reply within `timeoutMs` (server hung or gone). Reconnect, then reset.
 * - `disconnected`: the connection dropped (server died) or another client took the server over.
 *   Reconnect, then reset.
 * - `protocol`: a message broke the protocol: an invalid reply (the client then refuses calls until
 *   `reconnect()`), or a request the server refused as malformed or out of order (e.g. step before
 *   reset; the session stays usable). A bug on one side.
 * - `version`: client and server speak different protocol versions. Upgrade one side.
 * - `env`: the env raised on the server; reset (no reconnect needed).
 * - `invalid-action`: an action is outside the action space; nothing was stepped, fix the action.
 * - `closed`: the client was closed; connect a new one.
 * - `busy`: the server refused a new session (it serves one vector env, held by another client).
 *   Connect again later, or serve with a factory so that every client gets its own envs.
 * - `render`: the env cannot render rgb_array frames; the session is unchanged.
 *
 * A simple rule for env runners: after any kind but `invalid-action` and `closed`, `reconnect()` then
 * `reset()` always works once the server is reachable.
 */
export type RemoteEnvErrorKind =
  | 'timeout'
  | 'disconnected'
  | 'protocol'
  | 'version'
  | 'env'
  | 'invalid-action'
  | 'closed'
  | 'busy'
  | 'render';

/** An error from a remote env (`ZmqVectorEnv`); `kind` says what happened, `field` which field was at fault. */
export class RemoteEnvError extends Error {
  override readonly name = 'RemoteEnvError';
  /** What went wrong; see {@link RemoteEnvErrorKind}. */
  readonly kind: RemoteEnvErrorKind;
  /** The wire field at fault (e.g. `obs.shape`, `actions[3]`), or null. */
  readonly field: string | null;
  /** The server's address. */
  readonly address: string;

  constructor(kind: RemoteEnvErrorKind, address: string, message: string, field: string | null = null) {
    super(`remote env ${address}: ${message}`);
    this.kind = kind;
    this.field = field;
    this.address = address;
  }
}
