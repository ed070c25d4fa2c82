/**
 * The node's side of workers acting as clients: tasks a task or actor method submits, actors it
 * creates and locates (calls go straight to the actor's worker: direct-calls.ts), objects it puts,
 * asks for, borrows, releases and hands over (results of its direct calls that escape it).
 *
 * The node's store counts every worker's refs as pins, kept per worker in a ledger, so the objects a
 * dead worker held are released with it. Object ids and actor ids made by a worker carry its id in
 * their high bits, so they never collide with the driver's or another worker's.
 */
import type { DefinitionSite } from '../backend.js';
import { type ErrorPayload, toErrorPayload } from '../errors.js';
import type { ObjectStore } from '../object-store.js';
import type { ResolvedActorOptions, ResolvedTaskOptions } from '../options.js';
import { removeShared } from '../shared-objects.js';
import type { ActorSupervisor } from './actor-supervisor.js';
import { type ClientRequest, makerOf, toEncoded, type WireSite, type WireValue } from './protocol.js';
import type { WorkerPool, WorkerProcess } from './worker-pool.js';

/** What the request handler needs from the node's task scheduler. */
export interface TaskSubmitter {
  submitWithId(
    id: number,
    site: DefinitionSite,
    args: ReturnType<typeof toEncoded>,
    options: ResolvedTaskOptions,
  ): void;
  /** A task worker waits in `get` for `pending` objects: lend its CPU to other tasks meanwhile. */
  block(worker: WorkerProcess): void;
  /** The worker's `get` has everything it asked for. */
  unblock(worker: WorkerProcess): void;
  /** Tasks a blocked worker handed back unstarted. */
  requeue(worker: WorkerProcess, ids: readonly number[]): void;
  /** Cancels a task or actor call by its object id. */
  cancel(id: number, force: boolean): void;
}

const siteOf = (s: WireSite): DefinitionSite => ({ moduleUrl: s[0], exportName: s[1] });

function lostPayload(id: number): ErrorPayload {
  const message = `ObjectRef(${id}) was freed before a worker asked for it`;
  return { kind: 'object-lost', name: 'ObjectLostError', message, stack: `ObjectLostError: ${message}` };
}

/** See the module comment. */
export class ClientRequests {
  /** Pins held for each worker: object id -> count. */
  private readonly ledgers = new Map<number, Map<number, number>>();
  /** Objects each worker waits for in `get`. */
  private readonly awaited = new Map<number, number>();

  constructor(
    private readonly store: ObjectStore,
    private readonly pool: WorkerPool,
    private readonly actors: ActorSupervisor,
    private readonly tasks: TaskSubmitter,
  ) {}

  private hold(worker: WorkerProcess, id: number): void {
    let ledger = this.ledgers.get(worker.id);
    if (ledger === undefined) {
      ledger = new Map();
      this.ledgers.set(worker.id, ledger);
    }
    ledger.set(id, (ledger.get(id) ?? 0) + 1);
    this.store.addReader(id);
  }

  private drop(worker: WorkerProcess, id: number): void {
    const ledger = this.ledgers.get(worker.id);
    const n = ledger?.get(id);
    if (ledger === undefined || n === undefined) return;
    if (n <= 1) ledger.delete(id);
    else ledger.set(id, n - 1);
    this.store.unpinReader(id);
  }

  /** Handles one request of `worker`. */
  handle(worker: WorkerProcess, m: ClientRequest, frames: readonly Uint8Array[]): void {
    switch (m.t) {
      case 'submit': {
        this.store.createPendingPinned(m.id);
        this.hold(worker, m.id);
        const { timeoutMs, ...rest } = m.opts;
        const options: ResolvedTaskOptions = timeoutMs === undefined ? rest : { ...rest, timeoutMs };
        this.tasks.submitWithId(m.id, siteOf(m.site), toEncoded(m.args, frames), options);
        return;
      }
      case 'create': {
        const options: ResolvedActorOptions = { ...m.opts, name: m.opts.name };
        const args = toEncoded(m.args, frames);
        try {
          this.actors.create(siteOf(m.site), args, options, m.aid);
        } catch (error) {
          this.actors.createDead(m.aid, siteOf(m.site), args, options, toErrorPayload(error).message);
        }
        return;
      }
      case 'put':
        try {
          this.store.putReadyPinned(m.id, toEncoded(m.value, frames));
        } catch (error) {
          this.store.createPendingPinned(m.id);
          this.store.fail(m.id, toErrorPayload(error));
        }
        this.hold(worker, m.id);
        return;
      case 'get':
        this.get(worker, m.ids, m.requeue, true);
        return;
      case 'fetch':
        this.get(worker, m.ids, [], false);
        return;
      case 'block':
        if (m.requeue.length > 0) this.tasks.requeue(worker, m.requeue);
        this.waitMore(worker, 1);
        return;
      case 'unblock':
        this.waitLess(worker);
        return;
      case 'locate': {
        // An actor made by a live worker may be located before its `create` arrived here (another socket).
        const maker = makerOf(m.aid);
        this.actors.locate(worker, m.aid, maker > 0 && this.pool.worker(maker) !== undefined);
        return;
      }
      case 'adopt':
        this.adopt(worker, m.id, m.value, m.error, frames);
        return;
      case 'relay':
        this.relay(m.id, m.value, frames);
        return;
      case 'borrow':
        for (const id of m.ids) {
          if (!this.store.has(id)) continue;
          this.store.pin(id);
          this.hold(worker, id);
        }
        return;
      case 'release':
        for (const id of m.ids) this.drop(worker, id);
        return;
      case 'kill':
        this.actors.kill(m.aid, m.noRestart);
        return;
      case 'cancel':
        this.tasks.cancel(m.id, m.force);
        return;
    }
  }

  /**
   * Sends each object once settled; with `blocks`, a task worker that waits is blocked (its CPU
   * lent) until then.
   */
  private get(
    worker: WorkerProcess,
    ids: readonly number[],
    requeue: readonly number[],
    blocks: boolean,
  ): void {
    if (requeue.length > 0) this.tasks.requeue(worker, requeue);
    let waiting = 0;
    if (blocks) for (const id of ids) if (this.store.isPending(id)) waiting++;
    this.waitMore(worker, waiting);
    for (const id of ids) {
      const counted = blocks && this.store.isPending(id);
      this.store.onSettled(id, () => {
        this.sendObject(worker, id);
        if (counted) this.waitLess(worker);
      });
    }
  }

  /** The worker waits for `n` more things: its CPU is lent while it waits for any. */
  private waitMore(worker: WorkerProcess, n: number): void {
    if (n <= 0) return;
    this.awaited.set(worker.id, (this.awaited.get(worker.id) ?? 0) + n);
    // Also when already counted: a task that ended unblocked its worker, and a count whose refs were
    // dropped unsettled (a wait that timed out) never reaches zero.
    this.tasks.block(worker);
  }

  private waitLess(worker: WorkerProcess): void {
    const left = (this.awaited.get(worker.id) ?? 1) - 1;
    if (left > 0) this.awaited.set(worker.id, left);
    else if (this.awaited.delete(worker.id)) this.tasks.unblock(worker);
  }

  /** A result of the worker's direct call escapes it: the node holds it for the worker from now on. */
  private adopt(
    worker: WorkerProcess,
    id: number,
    value: WireValue | undefined,
    error: ReturnType<typeof toErrorPayload> | undefined,
    frames: readonly Uint8Array[],
  ): void {
    if (!this.store.has(id)) {
      this.store.createPendingPinned(id);
      this.hold(worker, id);
    }
    if (value !== undefined) this.store.resolve(id, toEncoded(value, frames));
    else if (error !== undefined) this.store.fail(id, error);
  }

  /** A direct call's result that holds refs or a shared file: stored here for its caller, then sent on. */
  private relay(id: number, value: WireValue, frames: readonly Uint8Array[]): void {
    const encoded = toEncoded(value, frames);
    const caller = this.pool.worker(makerOf(id));
    if (caller === undefined) {
      // The caller is gone: nobody will read it.
      removeShared(encoded);
      return;
    }
    if (!this.store.has(id)) {
      this.store.createPendingPinned(id);
      this.hold(caller, id);
    }
    this.store.resolve(id, encoded);
    this.sendObject(caller, id);
  }

  private sendObject(worker: WorkerProcess, id: number): void {
    const state = this.store.state(id);
    if (state?.kind === 'ready') {
      const value = state.value;
      this.pool.send(worker, (v) => ({ t: 'obj', id, value: v(value) }));
    } else {
      const error = state?.kind === 'failed' ? state.error : lostPayload(id);
      this.pool.send(worker, () => ({ t: 'obj', id, error }));
    }
  }

  /** A worker exited: release everything it held. */
  onExit(worker: WorkerProcess): void {
    this.actors.makerExited(worker.id);
    this.awaited.delete(worker.id);
    const ledger = this.ledgers.get(worker.id);
    this.ledgers.delete(worker.id);
    if (ledger === undefined) return;
    for (const [id, n] of ledger) for (let i = 0; i < n; i++) this.store.unpinReader(id);
  }
}
