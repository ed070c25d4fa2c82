/**
 * A reference to an object in the object store: the result of a task or actor call, or a `put`.
 * Refs are cheap handles; `get(ref)` resolves them. While any `ObjectRef` instance for an id is alive
 * (not garbage-collected) or a pending task takes it as an argument, the object stays in the store.
 */
export class ObjectRef<T = unknown> {
  /** Phantom field carrying the value type; never set at run time. */
  declare readonly __valueType?: T;
  /** The object id, unique within one runtime. */
  readonly id: number;
  constructor(id: number) {
    this.id = id;
  }
  /** A short form for logs, e.g. `ObjectRef(42)`. */
  toString(): string {
    return `ObjectRef(${this.id})`;
  }
}

/** The value type an `ObjectRef` resolves to. */
export type RefValue<R> = R extends ObjectRef<infer T> ? T : never;

/**
 * What a parameter accepts at a remote call: the value itself or a ref to it. Nested refs in arrays
 * and plain objects are resolved too, but this type only maps the top level.
 */
export type RefOr<T> = T | ObjectRef<T>;

/** Maps a parameter list so that each argument may be given as a ref. */
export type RemoteArgs<A extends readonly unknown[]> = { [K in keyof A]: RefOr<A[K]> };
