/**
 * The object store of one process: encoded objects by id with their state (pending, ready, failed),
 * reference counts, a memory limit and spilling to disk.
 *
 * Counting: each `ObjectRef` instance this process hands out counts 1 until it is garbage-collected
 * (a FinalizationRegistry); pins (a pending task's arguments, a `get` or `wait` in progress, a borrow
 * by another process, a stored value that contains the ref) count 1 each. At zero the object is
 * freed. A freed object that was still pending is dropped when its result arrives.
 *
 * When an object would not fit under the limit, the store first collects garbage and runs the
 * finalizers of dropped refs at once ({@link reclaimDroppedRefs}), so refs dropped in a synchronous
 * loop are freed in time; then it spills ready objects to disk (oldest first), which come back on
 * the next read; only when neither helps does it raise ObjectStoreFullError.
 */
import type { EncodedValue } from './codec.js';
import { type ErrorPayload, ObjectStoreFullError, toErrorPayload } from './errors.js';
import { ObjectRef } from './object-ref.js';
import { createRefRegistry, reclaimDroppedRefs } from './ref-registry.js';
import { materialize, removeShared, sealValue } from './shared-objects.js';
import { SpillFiles } from './spill-files.js';

/** One object's state. */
export type StoreState =
  | { readonly kind: 'pending' }
  | { readonly kind: 'ready'; readonly value: EncodedValue }
  | { readonly kind: 'failed'; readonly error: ErrorPayload };

interface Entry {
  state: StoreState;
  /** Live ObjectRef instances plus pins. */
  count: number;
  waiters: Array<() => void> | undefined;
  /** Set while the value lives on disk (state is then pending-free `ready` once restored). */
  spilled: { readonly sizeBytes: number } | undefined;
  /**
   * Pins by work that may read the object from another process (a task's or call's arguments, a
   * worker's refs): while any, a spilled shared object's file stays where they look for it.
   */
  readers: number;
  /** A spilled shared value whose file waits for its readers (then it is deleted, or reused on restore). */
  lingering: EncodedValue | undefined;
}

/** Numbers about the store, for tests and benchmarks. */
export interface ObjectStoreStats {
  readonly numObjects: number;
  /** Ready objects whose bytes live in a shared file (see shared-objects.ts), and their bytes. */
  readonly numShared: number;
  readonly sharedBytes: number;
  readonly usedBytes: number;
  readonly limitBytes: number;
  /** Objects on disk now, and bytes written / read back since start. */
  readonly numSpilled: number;
  readonly spilledBytes: number;
  readonly restoredBytes: number;
}

/** What the process-wide hooks of a store tell its owner (a worker forwards them to its node). */
export interface StoreHooks {
  /** An object was freed here. */
  onFree?(id: number): void;
  /** A ref to an object this store has never seen was decoded here (a borrow). */
  onBorrow?(id: number): void;
  /** Whether a stored value keeps the refs inside it alive here (a worker's node does it instead). @default true */
  readonly pinsInnerRefs?: boolean;
  /** Whether this store deletes the shared files of the objects it frees (the node's). @default true */
  readonly ownsSharedFiles?: boolean;
}

const PENDING: StoreState = { kind: 'pending' };

/** Ids never repeat within a process, so a ref kept across shutdown() and init() cannot alias a new object. */
let nextObjectId = 1;
/** Added to every id made here: 0 on a driver, a per-worker range in a worker (ids stay unique per node). */
let idBase = 0;

/** Sets the id range of this process (workers: `workerId * 2^32`). */
export function setObjectIdBase(base: number): void {
  idBase = base;
}

/** A new object id, unique on this node. */
export function newObjectId(): number {
  return idBase + nextObjectId++;
}

/** See the module comment. Not thread-safe; used from one event loop only. */
export class ObjectStore {
  private readonly entries = new Map<number, Entry>();
  private usedBytes = 0;
  private readonly spill: SpillFiles | undefined;
  private readonly refs = createRefRegistry((id) => this.unpin(id));

  /**
   * @param limitBytes the most bytes of ready objects held in memory at once
   * @param spillDirectory where objects spill (a fresh folder is made under it); undefined: never spill
   */
  constructor(
    readonly limitBytes: number,
    spillDirectory?: string,
    private readonly hooks: StoreHooks = {},
  ) {
    this.spill = spillDirectory === undefined ? undefined : new SpillFiles(spillDirectory);
  }

  private makeRef<T>(id: number): ObjectRef<T> {
    const ref = new ObjectRef<T>(id);
    this.refs.register(ref, id);
    return ref;
  }

  /** Creates a pending object and its ref. */
  createPending<T>(id = newObjectId()): ObjectRef<T> {
    this.entries.set(id, {
      state: PENDING,
      count: 1,
      waiters: undefined,
      spilled: undefined,
      readers: 0,
      lingering: undefined,
    });
    return this.makeRef<T>(id);
  }

  /** Creates a pending object held by one pin (another process holds its ref) and no local ref. */
  createPendingPinned(id: number): void {
    if (this.entries.has(id)) this.pin(id);
    else
      this.entries.set(id, {
        state: PENDING,
        count: 1,
        waiters: undefined,
        spilled: undefined,
        readers: 0,
        lingering: undefined,
      });
  }

  /**
   * A new ref instance for an id decoded from a value. An unknown id becomes a pending entry and is
   * reported as a borrow (a worker then asks its node for it).
   */
  refFor<T>(id: number): ObjectRef<T> {
    const entry = this.entries.get(id);
    if (entry !== undefined) entry.count++;
    else {
      this.entries.set(id, {
        state: PENDING,
        count: 1,
        waiters: undefined,
        spilled: undefined,
        readers: 0,
        lingering: undefined,
      });
      this.hooks.onBorrow?.(id);
    }
    return this.makeRef<T>(id);
  }

  /** Deletes the shared file of a value this store will not keep. */
  private discard(value: EncodedValue): void {
    if (this.hooks.ownsSharedFiles !== false) removeShared(value);
  }

  /** makeRoom for a value about to be stored; its shared file goes when it does not fit. */
  private makeRoomFor(value: EncodedValue): void {
    try {
      this.makeRoom(value.sizeBytes);
    } catch (error) {
      this.discard(value);
      throw error;
    }
  }

  /** Stores a ready value. @throws ObjectStoreFullError when it does not fit even after spilling */
  putReady<T>(value: EncodedValue, id = newObjectId()): ObjectRef<T> {
    this.makeRoomFor(value);
    this.accept(value);
    this.entries.set(id, {
      state: { kind: 'ready', value },
      count: 1,
      waiters: undefined,
      spilled: undefined,
      readers: 0,
      lingering: undefined,
    });
    return this.makeRef<T>(id);
  }

  /** Stores a ready value held by one pin (no local ref). @throws ObjectStoreFullError */
  putReadyPinned(id: number, value: EncodedValue): void {
    this.makeRoomFor(value);
    this.accept(value);
    this.entries.set(id, {
      state: { kind: 'ready', value },
      count: 1,
      waiters: undefined,
      spilled: undefined,
      readers: 0,
      lingering: undefined,
    });
  }

  /** Counts a value's bytes and keeps the refs inside it alive. */
  private accept(value: EncodedValue): void {
    this.usedBytes += value.sizeBytes;
    if (this.hooks.pinsInnerRefs !== false) for (const inner of value.refs) this.pin(inner);
  }

  /** Frees space for `sizeBytes` more: collect dropped refs, then spill. @throws ObjectStoreFullError */
  private makeRoom(sizeBytes: number, keep?: number): void {
    if (this.usedBytes + sizeBytes <= this.limitBytes) return;
    if (sizeBytes > this.limitBytes) {
      throw new ObjectStoreFullError(
        `object store full: one object of ${sizeBytes} bytes is larger than objectStoreMemoryBytes=${this.limitBytes}; raise init({ objectStoreMemoryBytes })`,
      );
    }
    reclaimDroppedRefs();
    if (this.usedBytes + sizeBytes <= this.limitBytes) return;
    let spillError: string | undefined;
    if (this.spill !== undefined) {
      for (const [id, entry] of this.entries) {
        if (this.usedBytes + sizeBytes <= this.limitBytes) break;
        if (id === keep || entry.state.kind !== 'ready' || entry.spilled !== undefined) continue;
        const value = entry.state.value;
        try {
          this.spill.write(id, materialize(value));
        } catch (error) {
          spillError = (error as Error).message;
          break;
        }
        // Readers may still open the shared file: it goes when the last one is done.
        if (value.shared !== undefined && entry.readers > 0) entry.lingering = value;
        else this.discard(value);
        this.usedBytes -= entry.state.value.sizeBytes;
        entry.spilled = { sizeBytes: entry.state.value.sizeBytes };
        entry.state = { kind: 'ready', value: SPILLED_VALUE };
      }
      if (this.usedBytes + sizeBytes <= this.limitBytes) return;
    }
    const spillNote =
      this.spill === undefined
        ? 'spilling is off'
        : spillError !== undefined
          ? `spilling to ${this.spill.directory} failed: ${spillError}`
          : 'nothing more could spill';
    throw new ObjectStoreFullError(
      `object store full: storing ${sizeBytes} bytes would hold ${this.usedBytes + sizeBytes} of ` +
        `objectStoreMemoryBytes=${this.limitBytes} (${spillNote}); drop refs you no longer need or raise init({ objectStoreMemoryBytes })`,
    );
  }

  /** Marks a pending object ready; a full store fails it with ObjectStoreFullError instead. */
  resolve(id: number, value: EncodedValue): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.state.kind !== 'pending') {
      this.discard(value);
      return;
    }
    try {
      this.makeRoomFor(value);
    } catch (error) {
      this.fail(id, toErrorPayload(error));
      return;
    }
    this.accept(value);
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

  /** The state of an object (a spilled one is read back first), or undefined once freed. */
  state(id: number): StoreState | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.spilled !== undefined && this.spill !== undefined) {
      const { sizeBytes } = entry.spilled;
      try {
        this.makeRoom(sizeBytes, id);
      } catch {
        // Read it back anyway: the reader needs it now; the next store makes room again.
      }
      // Back into a shared file when it is large, so workers read it there again (the old one when
      // readers kept it).
      let value: EncodedValue;
      if (entry.lingering !== undefined) {
        value = entry.lingering;
        entry.lingering = undefined;
        this.spill.remove(id);
      } else if (this.hooks.ownsSharedFiles === false) value = this.spill.read(id);
      else value = sealValue(this.spill.read(id), false);
      entry.spilled = undefined;
      entry.state = { kind: 'ready', value };
      this.usedBytes += sizeBytes;
    }
    return entry.state;
  }

  /** True while the object is pending (never reads a spilled object back). */
  isPending(id: number): boolean {
    return this.entries.get(id)?.state.kind === 'pending';
  }

  /** True when the store holds the id (in any state). */
  has(id: number): boolean {
    return this.entries.has(id);
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

  /** A pin by work that may read the object from another process (see Entry.readers). */
  pinReader(id: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    entry.count++;
    entry.readers++;
  }

  /** Marks an existing pin as a reader's (undone by {@link unpinReader}). */
  addReader(id: number): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) entry.readers++;
  }

  /** Drops a {@link pinReader} pin. */
  unpinReader(id: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    entry.readers--;
    if (entry.readers === 0 && entry.lingering !== undefined) {
      this.discard(entry.lingering);
      entry.lingering = undefined;
    }
    this.unpin(id);
  }

  /** Drops a pin (or a collected ref); frees the object at zero. */
  unpin(id: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    entry.count--;
    if (entry.count > 0) return;
    this.entries.delete(id);
    let inner: readonly number[] = [];
    if (entry.lingering !== undefined) this.discard(entry.lingering);
    if (entry.spilled !== undefined) {
      inner = this.spill?.refsOf(id) ?? [];
      this.spill?.remove(id);
    } else if (entry.state.kind === 'ready') {
      this.usedBytes -= entry.state.value.sizeBytes;
      inner = entry.state.value.refs;
      this.discard(entry.state.value);
    }
    if (this.hooks.pinsInnerRefs !== false) for (const r of inner) this.unpin(r);
    this.hooks.onFree?.(id);
  }

  /** Fails every pending object (at shutdown). */
  failAllPending(error: ErrorPayload): void {
    for (const [id, entry] of this.entries) if (entry.state.kind === 'pending') this.fail(id, error);
  }

  /** Removes the spill folder (at shutdown). */
  close(): void {
    this.spill?.close();
  }

  /** Numbers about the store. */
  stats(): ObjectStoreStats {
    let numShared = 0;
    let sharedBytes = 0;
    for (const e of this.entries.values()) {
      if (e.state.kind === 'ready' && e.state.value.shared !== undefined) {
        numShared++;
        sharedBytes += e.state.value.sizeBytes;
      }
    }
    return {
      numShared,
      sharedBytes,
      numObjects: this.entries.size,
      usedBytes: this.usedBytes,
      limitBytes: this.limitBytes,
      numSpilled: this.spill?.count ?? 0,
      spilledBytes: this.spill?.writtenBytes ?? 0,
      restoredBytes: this.spill?.readBytes ?? 0,
    };
  }
}

/** Placeholder value of a spilled entry (never decoded: `state()` reads the real one back first). */
const SPILLED_VALUE: EncodedValue = {
  data: new Uint8Array(0),
  frames: [],
  deps: [],
  refs: [],
  sizeBytes: 0,
};
