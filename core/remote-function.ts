/**
 * Remote functions: `remoteFunction(import.meta.url, 'square', (x: number) => x * x)` exported as
 * `square` makes `square.remote(2)` run the function as a task and return an `ObjectRef<number>` at once.
 */
import type { TaskFunction } from './backend.js';
import { encodeValue } from './codec.js';
import { checkSite, DEFINITION, type Definition } from './definition.js';
import type { ObjectRef, RemoteArgs } from './object-ref.js';
import { resolveTaskOptions, type TaskOptions } from './options.js';
import { currentBackend } from './runtime.js';

/** A function that runs as a task. Args may be refs (also nested in arrays and plain objects). */
export interface RemoteFunction<A extends unknown[], R> {
  /**
   * Submits the task and returns a ref to its result (a Promise result is unwrapped). Never blocks;
   * tasks whose argument refs are ready may start in any order.
   * @throws TypeError on a bad option; RuntimeError when the runtime is not initialised
   */
  remote(...args: RemoteArgs<A>): ObjectRef<Awaited<R>>;
  /** The same function with some options replaced for the calls made through the result. */
  options(options: TaskOptions): RemoteFunction<A, R>;
  /** The function itself, to call locally. */
  readonly fn: (...args: A) => R;
  readonly [DEFINITION]: Definition;
}

/**
 * Defines a remote function. Export the result under `exportName`: workers import `moduleUrl` and
 * take that export (functions are never serialised).
 * @param moduleUrl pass `import.meta.url`
 * @param exportName the name of the export holding the result
 * @param options defaults for every call: `numCpus` (default 1), `numGpus`, `resources`, `maxRetries` (default 3), `retryExceptions`
 * @throws TypeError on a bad URL, name or option
 */
export function remoteFunction<A extends unknown[], R>(
  moduleUrl: string,
  exportName: string,
  fn: (...args: A) => R,
  options: TaskOptions = {},
): RemoteFunction<A, R> {
  const site = checkSite('remoteFunction', moduleUrl, exportName);
  const where = `remoteFunction '${exportName}' options`;
  resolveTaskOptions(where, options);
  const definition: Definition = { kind: 'function', site, fn: fn as unknown as TaskFunction };
  const make = (opts: TaskOptions): RemoteFunction<A, R> => {
    let resolved: ReturnType<typeof resolveTaskOptions> | undefined;
    return {
      fn,
      [DEFINITION]: definition,
      remote(...args: RemoteArgs<A>): ObjectRef<Awaited<R>> {
        resolved ??= resolveTaskOptions(where, opts);
        const backend = currentBackend();
        const encoded = encodeValue(args, { copyFrames: true, refs: 'resolve' });
        return backend.submitTask(site, definition.fn, encoded, resolved) as ObjectRef<Awaited<R>>;
      },
      options: (more: TaskOptions) => make({ ...opts, ...more }),
    };
  };
  return make(options);
}
