/**
 * The one error type a remote env raises, with a `kind` an env runner can act on.
 */

/**
 * What went wrong with a remote env, and what the caller can do:
 * - `timeout`: no reply within `timeoutMs` (server hung or gone). Reconnect, then reset.
 * - `disconnected`: the connection dropped (server died) or another client took the server over.
 *   Reconnect, then reset.
 * - `protocol`: a message broke the protocol (malformed, wrong shape/dtype, unexpected reply). A bug on
 *   one side; reconnecting may not help.
 * - `version`: client and server speak different protocol versions. Upgrade one side.
 * - `env`: the env raised on the server; reset (no reconnect needed).
 * - `invalid-action`: an action is outside the action space; nothing was stepped, fix the action.
 * - `closed`: the client was closed; create or reconnect one.
 */
export type RemoteEnvErrorKind = 'timeout' | 'disconnected' | 'protocol' | 'version' | 'env' | 'invalid-action' | 'closed';

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

  /** True for the kinds after which `reconnect()` then `reset()` is the way on. */
  get needsReconnect(): boolean {
    return this.kind === 'timeout' || this.kind === 'disconnected' || this.kind === 'protocol';
  }
}
