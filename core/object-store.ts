/**
 * The object store of one node: encoded objects by id with their state (pending, ready, failed),
 * reference counts and a memory limit.
 *
 * Ownership: the driver owns every object. An object is freed when no `ObjectRef` instance for its id
 * is reachable (tracked with a FinalizationRegistry, so freeing follows JavaScript garbage collection)
 * and no pending task, `get` or `wait` pins it. A freed object that was still pending is dropped when
 * its result arrives.
 */
import type { EncodedValue } from './codec.js';
import { type ErrorPayload, ObjectStoreFullError, toErrorPayload } from './errors.js';
import { ObjectRef } from './object-ref.js';

/** One object's state. */
export type StoreState =
  | { readonly kind: 'pending' }
  | { readonly kind: 'ready'; readonly value: EncodedValue }
  | { readonly kind: 'failed'; readonly error: ErrorPayload };

interface Entry {
  state: StoreState;
  /** Live ObjectRef instances (0 or 1: the store hands out one instance per id) plus pins. */
  count: number;
  waiters: Array<() => void> | undefined;
}

/** Numbers about the store, for tests and benchmarks. */
export interface ObjectStoreStats {
  readonly numObjects: number;
  readonly usedBytes: number;
  readonly limitBytes: number;
}

const PENDING: StoreState = { kind: 'pending' };

/** Ids never repeat within a process, so a ref kept across shutdown() and init() cannot alias a new object. */
let nextObjectId = 1;

/** See the module comment. Not thread-safe; used from the driver's event loop only. */
export class ObjectStore {
  private readonly entries = new Map<number, Entry>();
  private usedBytes = 0;
  private readonly registry = new FinalizationRegistry<number>((id) => this.release(id));

  /** @param limitBytes the most bytes of ready objects held at once */
  constructor(readonly limitBytes: number) {}

  private makeRef<T>(id: number): ObjectRef<T> {
    const ref = new ObjectRef<T>(id);
    this.registry.register(ref, id);
    return ref;
  }

  /** Creates a pending object and its ref. */
  createPending<T>(): ObjectRef<T> {
    const id = nextObjectId++;
    this.entries.set(id, { state: PENDING, count: 1, waiters: undefined });
    return this.makeRef<T>(id);
  }

  /** Stores a ready value. @throws ObjectStoreFullError when it does not fit under the limit */
  putReady<T>(value: EncodedValue): ObjectRef<T> {
    this.checkFits(value.sizeBytes);
    const id = nextObjectId++;
    this.usedBytes += value.sizeBytes;
    this.entries.set(id, { state: { kind: 'ready', value }, count: 1, waiters: undefined });
    return this.makeRef<T>(id);
  }

  private checkFits(sizeBytes: number): void {
    if (this.usedBytes + sizeBytes > this.limitBytes) {
      throw new ObjectStoreFullError(
        `object store full: storing ${sizeBytes} bytes would hold ${this.usedBytes + sizeBytes} of ` +
          `objectStoreMemoryBytes=${this.limitBytes}; drop refs you no longer need or raise init({ objectStoreMemoryBytes })`,
      );
    }
  }

  /** Marks a pending object ready; a full store fails it with ObjectStoreFullError instead. */
  resolve(id: number, value: EncodedValue): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.state.kind !== 'pending') return;
    try {
      this.checkFits(value.sizeBytes);
    } catch (error) {
      this.fail(id, toErrorPayload(error));
      return;
    }
    this.usedBytes += value.sizeBytes;
    entry.state = { kind: 'ready', value };
    this.wake(entry);
  }

  /** Marks a pending object failed; `get` rethrows the error. */
  fail(id: number, error: ErrorPayload): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.state.kind !== 'pending') return;
    entry.state = { kind: 'failed', error };
    this.wake(entry);
  }

  private wake(entry: Entry): void {
    const waiters = entry.waiters;
    entry.waiters = undefined;
    if (waiters !== undefined) for (const w of waiters) w();
  }

  /** The state of an object, or undefined once freed. */
  state(id: number): StoreState | undefined {
    return this.entries.get(id)?.state;
  }

  /** Calls `callback` once the object is no longer pending (at once if it is not). */
  onSettled(id: number, callback: () => void): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.state.kind !== 'pending') {
      callback();
      return;
    }
    if (entry.waiters === undefined) entry.waiters = [callback];
    else entry.waiters.push(callback);
  }

  /** Keeps an object alive while a task, `get` or `wait` needs it. Pair with `unpin`. */
  pin(id: number): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) entry.count++;
  }

  /** Drops a pin (or a collected ref); frees the object at zero. */
  unpin(id: number): void {
    this.release(id);
  }

  private release(id: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    entry.count--;
    if (entry.count > 0) return;
    if (entry.state.kind === 'ready') this.usedBytes -= entry.state.value.sizeBytes;
    this.entries.delete(id);
  }

  /** Fails every pending object (at shutdown). */
  failAllPending(error: ErrorPayload): void {
    for (const [id, entry] of this.entries) if (entry.state.kind === 'pending') this.fail(id, error);
  }

  /** Numbers about the store. */
  stats(): ObjectStoreStats {
    return { numObjects: this.entries.size, usedBytes: this.usedBytes, limitBytes: this.limitBytes };
  }
}
