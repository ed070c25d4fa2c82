/**
 * Actors: `remoteClass(import.meta.url, 'Counter', CounterImpl)` exported as `Counter` makes
 * `Counter.remote(args)` start an instance in its own worker and return a typed {@link ActorHandle}.
 */
import type { ActorClass, DefinitionSite } from './backend.js';
import { ACTOR_HANDLE, encodeValue, setHandleFactory } from './codec.js';
import { checkSite, DEFINITION, type Definition } from './definition.js';
import type { ObjectRef, RemoteArgs } from './object-ref.js';
import { type ActorOptions, resolveActorOptions } from './options.js';
import { currentBackend } from './runtime.js';

/** Names of the methods of `T`. */
export type MethodName<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

type ArgsOf<F> = F extends (...args: infer A) => unknown ? A : never;
type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/** One method of an actor, called remotely. */
export interface ActorMethod<A extends readonly unknown[], R> {
  /** Calls the method; returns a ref to its (unwrapped) result at once. */
  remote(...args: RemoteArgs<A>): ObjectRef<R>;
}

/**
 * A handle to a running actor. Calls made through one handle start in the order they were made
 * (each after the previous one finished, unless the actor has `maxConcurrency > 1`).
 */
export class ActorHandle<T extends object> {
  /** Brand that the encoder checks (a handle travels as its actor id and class site). */
  readonly [ACTOR_HANDLE] = true;
  /** The actor's id within the runtime. */
  readonly actorId: number;
  /** Where the class is defined. */
  readonly site: DefinitionSite;
  /** Methods as `handle.methods.inc.remote(1)`. */
  readonly methods: { readonly [K in MethodName<T>]: ActorMethod<ArgsOf<T[K]>, ResultOf<T[K]>> };

  constructor(actorId: number, site: DefinitionSite) {
    this.actorId = actorId;
    this.site = site;
    this.methods = new Proxy(
      {},
      {
        get: (_target, key) =>
          typeof key === 'string'
            ? { remote: (...args: unknown[]) => this.callDynamic(key, args) }
            : undefined,
      },
    ) as ActorHandle<T>['methods'];
  }

  /**
   * Calls `method` with `args` and returns a ref to the result (a Promise result is unwrapped).
   * @throws RuntimeError when the runtime is not initialised (the call's errors arrive through `get`)
   */
  call<K extends MethodName<T>>(method: K, ...args: RemoteArgs<ArgsOf<T[K]>>): ObjectRef<ResultOf<T[K]>> {
    return this.callDynamic(method, args) as ObjectRef<ResultOf<T[K]>>;
  }

  private callDynamic(method: string, args: readonly unknown[]): ObjectRef {
    const encoded = encodeValue(args, { copyFrames: true, refs: 'resolve' });
    return currentBackend().callActor(this.actorId, method, encoded);
  }

  /** A short form for logs. */
  toString(): string {
    return `ActorHandle(${this.site.exportName}#${this.actorId})`;
  }
}

/** An actor class that starts instances remotely. */
export interface RemoteClass<C extends ActorClass> {
  /**
   * Starts an instance (the constructor runs in the actor's worker) and returns its handle at once.
   * A constructor that throws makes every call fail with ActorDiedError carrying the message.
   * @throws TypeError on a bad option; Error when `name` is taken
   */
  remote(...args: RemoteArgs<ConstructorParameters<C>>): ActorHandle<InstanceType<C>>;
  /** The same class with some options replaced for the actors started through the result. */
  options(options: ActorOptions): RemoteClass<C>;
  /** The class itself. */
  readonly cls: C;
  readonly [DEFINITION]: Definition;
}

/**
 * Defines an actor class. Export the result under `exportName`.
 * @param moduleUrl pass `import.meta.url`
 * @param options defaults: `numCpus` (default 0 held), `numGpus`, `resources`, `name`, `maxRestarts` (0),
 * `maxTaskRetries` (0), `maxConcurrency` (1)
 * @throws TypeError on a bad URL, name or option
 */
export function remoteClass<C extends ActorClass>(
  moduleUrl: string,
  exportName: string,
  cls: C,
  options: ActorOptions = {},
): RemoteClass<C> {
  const site = checkSite('remoteClass', moduleUrl, exportName);
  const where = `remoteClass '${exportName}' options`;
  resolveActorOptions(where, options);
  const definition: Definition = { kind: 'class', site, cls };
  const make = (opts: ActorOptions): RemoteClass<C> => ({
    cls,
    [DEFINITION]: definition,
    remote(...args: RemoteArgs<ConstructorParameters<C>>): ActorHandle<InstanceType<C>> {
      const resolved = resolveActorOptions(where, opts);
      const encoded = encodeValue(args, { copyFrames: true, refs: 'resolve' });
      const id = currentBackend().createActor(site, cls, encoded, resolved);
      return new ActorHandle<InstanceType<C>>(id, site);
    },
    options: (more: ActorOptions) => make({ ...opts, ...more }),
  });
  return make(options);
}

/**
 * The handle of the live actor named `name` (`options({ name })`), typed by the caller.
 * @throws Error when no live actor has that name
 */
export function getActor<T extends object>(name: string): ActorHandle<T> {
  const found = currentBackend().namedActor(name);
  if (found === undefined) throw new Error(`getActor: no live actor is named '${name}'`);
  return new ActorHandle<T>(found.actorId, found.site);
}

/**
 * Kills an actor's worker at once (SIGKILL in process mode). Pending and later calls fail with
 * ActorDiedError, unless `noRestart` is false and the actor has restarts left.
 * @param options.noRestart @default true
 */
export function kill(handle: ActorHandle<object>, options: { readonly noRestart?: boolean } = {}): void {
  currentBackend().killActor(handle.actorId, options.noRestart ?? true);
}

setHandleFactory((actorId, moduleUrl, exportName) => new ActorHandle(actorId, { moduleUrl, exportName }));
