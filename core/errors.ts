/**
 * Errors raised by the runtime. Every error that crosses a process boundary travels as an
 * {@link ErrorPayload} and is rebuilt on the caller's side, so `instanceof` works for the classes below
 * and a user exception keeps its original `name`, `message` and remote stack inside a {@link RemoteError}.
 */

/** The wire form of an error (protocol field `e`). */
export interface ErrorPayload {
  /** Which class to rebuild: one of the runtime's error kinds, or `remote` for a user exception. */
  readonly kind: ErrorKind;
  readonly name: string;
  readonly message: string;
  /** The stack as written where the error was thrown (remote process included). */
  readonly stack: string;
}

/** The kinds of error the runtime rebuilds. */
export type ErrorKind =
  | 'remote'
  | 'actor-died'
  | 'worker-crashed'
  | 'object-store-full'
  | 'get-timeout'
  | 'runtime'
  | 'object-lost'
  | 'task-cancelled'
  | 'task-timeout';

/** Base class of every error raised by the runtime itself (not by user code). */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/**
 * A user exception thrown inside a task or actor method, rethrown by `get`. `name` is the original
 * error's name (`TypeError`, `MyError`), `message` is unchanged and `stack` starts with the remote stack.
 * Test the original type with `err.name === 'TypeError'`; the class is always `RemoteError`.
 */
export class RemoteError extends Error {
  /** The stack captured where the error was thrown, in the worker. */
  readonly remoteStack: string;
  constructor(name: string, message: string, remoteStack: string) {
    super(message);
    this.name = name;
    this.remoteStack = remoteStack;
    this.stack = `${remoteStack}\n    --- rethrown by get() in pid ${process.pid} ---`;
  }
}

/** The actor is dead (killed, crashed past `maxRestarts`, or its constructor threw) and cannot run calls. */
export class ActorDiedError extends RuntimeError {
  override name = 'ActorDiedError';
}

/** The worker process running a task died (killed, crashed, out of memory) and no retries were left. */
export class WorkerCrashedError extends RuntimeError {
  override name = 'WorkerCrashedError';
}

/** Storing an object would exceed `objectStoreMemoryBytes`; free refs or raise the limit. */
export class ObjectStoreFullError extends RuntimeError {
  override name = 'ObjectStoreFullError';
}

/** `get` or `wait` reached its `timeoutMs` before the objects were ready. */
export class GetTimeoutError extends RuntimeError {
  override name = 'GetTimeoutError';
}

/** The object was freed (no ref remained) or the runtime shut down before it was produced. */
export class ObjectLostError extends RuntimeError {
  override name = 'ObjectLostError';
}

/** The task or actor call was cancelled with `cancel(ref)`. */
export class TaskCancelledError extends RuntimeError {
  override name = 'TaskCancelledError';
}

/** The task ran longer than its `timeoutMs`; its worker was killed. */
export class TaskTimeoutError extends RuntimeError {
  override name = 'TaskTimeoutError';
}

/** Converts any thrown value into its wire form. */
export function toErrorPayload(error: unknown, kind: ErrorKind = 'remote'): ErrorPayload {
  if (error instanceof RemoteError) {
    return { kind: 'remote', name: error.name, message: error.message, stack: error.remoteStack };
  }
  if (error instanceof Error) {
    const ownKind = kindOf(error);
    return {
      kind: ownKind ?? kind,
      name: error.name,
      message: error.message,
      stack: error.stack ?? `${error.name}: ${error.message}`,
    };
  }
  const message = `non-Error value thrown: ${safeString(error)}`;
  return { kind, name: 'Error', message, stack: `Error: ${message}` };
}

function kindOf(error: Error): ErrorKind | undefined {
  if (error instanceof ActorDiedError) return 'actor-died';
  if (error instanceof WorkerCrashedError) return 'worker-crashed';
  if (error instanceof ObjectStoreFullError) return 'object-store-full';
  if (error instanceof GetTimeoutError) return 'get-timeout';
  if (error instanceof ObjectLostError) return 'object-lost';
  if (error instanceof TaskCancelledError) return 'task-cancelled';
  if (error instanceof TaskTimeoutError) return 'task-timeout';
  if (error instanceof RuntimeError) return 'runtime';
  return undefined;
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return typeof value;
  }
}

/** Rebuilds the error a payload describes. */
export function fromErrorPayload(payload: ErrorPayload): Error {
  let error: Error;
  switch (payload.kind) {
    case 'remote':
      return new RemoteError(payload.name, payload.message, payload.stack);
    case 'actor-died':
      error = new ActorDiedError(payload.message);
      break;
    case 'worker-crashed':
      error = new WorkerCrashedError(payload.message);
      break;
    case 'object-store-full':
      error = new ObjectStoreFullError(payload.message);
      break;
    case 'get-timeout':
      error = new GetTimeoutError(payload.message);
      break;
    case 'object-lost':
      error = new ObjectLostError(payload.message);
      break;
    case 'task-cancelled':
      error = new TaskCancelledError(payload.message);
      break;
    case 'task-timeout':
      error = new TaskTimeoutError(payload.message);
      break;
    default:
      error = new RuntimeError(payload.message);
  }
  error.stack = payload.stack;
  return error;
}

/** Validates an unknown value as an {@link ErrorPayload} (wire input). */
export function isErrorPayload(value: unknown): value is ErrorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['kind'] === 'string' &&
    typeof v['name'] === 'string' &&
    typeof v['message'] === 'string' &&
    typeof v['stack'] === 'string'
  );
}

/** The payload of a cancelled task or call. */
export function cancelledPayload(what: string): ErrorPayload {
  const message = `${what} was cancelled`;
  return {
    kind: 'task-cancelled',
    name: 'TaskCancelledError',
    message,
    stack: `TaskCancelledError: ${message}`,
  };
}

/** The payload of a task that ran past its `timeoutMs`. */
export function timeoutPayload(site: { readonly exportName: string }, timeoutMs: number): ErrorPayload {
  const message = `task ${site.exportName} ran longer than its timeoutMs=${timeoutMs}`;
  return { kind: 'task-timeout', name: 'TaskTimeoutError', message, stack: `TaskTimeoutError: ${message}` };
}
