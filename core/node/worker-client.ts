/**
 * A worker's client of its node: what tasks and actor methods reach through the runtime API (nested
 * tasks, actors, put / get / wait). Calls return at once with ids this worker makes (its worker id in
 * the high bits); requests go to the node in the worker's outgoing batch, actor calls straight to the
 * actor (direct-calls.ts). The worker's store holds the objects it put, the values it received and
 * the results of its direct calls, each counted locally: the node is told once when an id first
 * appears here (a borrow) and once when it is freed here (a release).
 *
 * A direct call's result is this worker's alone until its ref escapes: before a message that carries
 * it leaves (a put, a task's or actor's arguments, a result), the result is handed to the node
 * (`adopt`: the value, or pending and the value later), which holds it for this worker like a put.
 */
import type { ActorClass, Backend, BackendStats, DefinitionSite, TaskFunction } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import type { ObjectRef } from '../object-ref.js';
import { ObjectStore, setObjectIdBase } from '../object-store.js';
import type { ResolvedActorOptions, ResolvedTaskOptions } from '../options.js';
import type { BatchSender } from './batch-sender.js';
import { DirectCalls } from './direct-calls.js';
import { type FromWorker, type ToWorker, toEncoded, type WireName, WORKER_ID_RANGE } from './protocol.js';

/** See the module comment. */
export class WorkerClient implements Backend {
  readonly store: ObjectStore;
  private readonly requested = new Set<number>();
  private readonly names = new Map<string, { readonly actorId: number; readonly site: DefinitionSite }>();
  private nextActor = 1;
  private readonly actorBase: number;
  /** This worker's direct actor calls. */
  readonly direct: DirectCalls;
  /** Handed over while pending: the value follows when it arrives here (unless relayed). */
  private readonly adoptedPending = new Set<number>();

  /**
   * @param takeQueued hands back the tasks queued behind the running one (sent back to the node when
   * a task blocks in `get`, so they never wait behind it)
   * @param hostsActor whether this worker hosts an actor (an actor keeps its CPU while it waits)
   */
  constructor(
    private readonly sender: BatchSender<FromWorker>,
    workerId: number,
    private readonly takeQueued: () => number[],
    private readonly hostsActor: () => boolean,
  ) {
    setObjectIdBase(workerId * WORKER_ID_RANGE);
    this.actorBase = workerId * WORKER_ID_RANGE;
    this.store = new ObjectStore(Number.POSITIVE_INFINITY, undefined, {
      onFree: (id) => {
        this.adoptedPending.delete(id);
        if (!this.direct.disown(id)) this.send(() => ({ t: 'release', ids: [id] }));
      },
      onBorrow: (id) => this.send(() => ({ t: 'borrow', ids: [id] })),
      pinsInnerRefs: false,
      ownsSharedFiles: false,
    });
    this.direct = new DirectCalls(
      {
        store: this.store,
        locate: (aid) => this.send(() => ({ t: 'locate', aid })),
        request: (ids) => this.request(ids),
      },
      `w${workerId}`,
    );
  }

  /**
   * Hands the results of this worker's direct calls among `ids` to the node, before a message that
   * carries their refs leaves (see the module comment).
   */
  handOver(ids: readonly number[]): void {
    for (const id of ids) {
      if (!this.direct.disown(id)) continue;
      const state = this.store.state(id);
      if (state?.kind === 'ready') {
        const value = state.value;
        this.send((v) => ({ t: 'adopt', id, value: v(value) }));
      } else if (state?.kind === 'failed') {
        const error = state.error;
        this.send(() => ({ t: 'adopt', id, error }));
      } else {
        this.send(() => ({ t: 'adopt', id }));
        this.adoptedPending.add(id);
        this.store.onSettled(id, () => {
          if (!this.adoptedPending.delete(id)) return;
          this.handOverSettled(id);
        });
      }
    }
  }

  private handOverSettled(id: number): void {
    const state = this.store.state(id);
    if (state?.kind === 'ready') {
      const value = state.value;
      this.send((v) => ({ t: 'adopt', id, value: v(value) }));
    } else if (state?.kind === 'failed') {
      const error = state.error;
      this.send(() => ({ t: 'adopt', id, error }));
    }
  }

  /** Asks the node for objects without blocking (arguments of direct calls). */
  private request(ids: readonly number[]): void {
    const ask = this.unrequested(ids);
    if (ask.length > 0) this.send(() => ({ t: 'fetch', ids: ask }));
  }

  /** Pending ids among `ids` that the node knows and has not been asked for yet (now marked asked). */
  private unrequested(ids: readonly number[]): number[] {
    const ask: number[] = [];
    for (const id of ids) {
      if (!this.store.isPending(id) || this.requested.has(id) || this.direct.owns(id)) continue;
      this.requested.add(id);
      ask.push(id);
    }
    return ask;
  }

  private send(build: Parameters<BatchSender<FromWorker>['push']>[1]): void {
    this.sender.push(undefined, build);
  }

  submitTask(
    site: DefinitionSite,
    _fn: TaskFunction,
    args: EncodedValue,
    options: ResolvedTaskOptions,
  ): ObjectRef {
    const ref = this.store.createPending();
    const wireSite = [site.moduleUrl, site.exportName] as const;
    this.handOver(args.deps);
    this.handOver(args.refs);
    this.send((v) => ({ t: 'submit', id: ref.id, site: wireSite, args: v(args), opts: options }));
    return ref;
  }

  put(value: EncodedValue): ObjectRef {
    this.handOver(value.refs);
    const ref = this.store.putReady(value);
    this.send((v) => ({ t: 'put', id: ref.id, value: v(value) }));
    return ref;
  }

  /**
   * A `get` or `wait` here: asks the node for the objects it knows; a task that waits for results of
   * its direct calls lends its CPU meanwhile (as in a `get` through the node).
   */
  fetch(ids: readonly number[]): void {
    const ask = this.unrequested(ids);
    if (ask.length > 0) {
      const requeue = this.takeQueued();
      this.send(() => ({ t: 'get', ids: ask, requeue }));
    }
    if (this.hostsActor()) return;
    const own = ids.filter((id) => this.direct.owns(id) && this.store.isPending(id));
    if (own.length === 0) return;
    const requeue = this.takeQueued();
    this.send(() => ({ t: 'block', requeue }));
    let left = own.length;
    const settledOne = (): void => {
      if (--left === 0) this.send(() => ({ t: 'unblock' }));
    };
    for (const id of own) this.store.onSettled(id, settledOne);
  }

  /** The node's answer to `get`, or a direct call's result that the actor relayed through it. */
  onObject(m: Extract<ToWorker, { t: 'obj' }>, frames: readonly Uint8Array[]): void {
    this.requested.delete(m.id);
    if (this.direct.relayed(m.id)) {
      // The node holds it for this worker now; the value is not handed over again.
      this.adoptedPending.delete(m.id);
      if (!this.store.isPending(m.id)) {
        // Freed or cancelled here meanwhile: nobody here wants it.
        this.send(() => ({ t: 'release', ids: [m.id] }));
        return;
      }
    }
    if (m.value !== undefined) this.store.resolve(m.id, toEncoded(m.value, frames));
    else if (m.error !== undefined) this.store.fail(m.id, m.error);
  }

  /** The node's table of named actors. */
  setNames(names: readonly WireName[]): void {
    this.names.clear();
    for (const [name, actorId, moduleUrl, exportName] of names) {
      this.names.set(name, { actorId, site: { moduleUrl, exportName } });
    }
  }

  createActor(
    site: DefinitionSite,
    _cls: ActorClass,
    args: EncodedValue,
    options: ResolvedActorOptions,
  ): number {
    if (options.name !== undefined && this.names.has(options.name)) {
      throw new Error(
        `remoteClass ${site.exportName}: an actor named '${options.name}' is alive; pick another name`,
      );
    }
    const aid = this.actorBase + this.nextActor++;
    const wireSite = [site.moduleUrl, site.exportName] as const;
    this.handOver(args.deps);
    this.handOver(args.refs);
    const { name, ...rest } = options;
    const opts = name === undefined ? rest : { ...rest, name };
    this.send((v) => ({ t: 'create', aid, site: wireSite, args: v(args), opts }));
    if (name !== undefined) this.names.set(name, { actorId: aid, site });
    return aid;
  }

  /** Straight to the actor's worker (direct-calls.ts). */
  callActor(actorId: number, method: string, args: EncodedValue): ObjectRef {
    return this.direct.call(actorId, method, args);
  }

  namedActor(name: string): { readonly actorId: number; readonly site: DefinitionSite } | undefined {
    return this.names.get(name);
  }

  /** A direct call is cancelled here (an actor call refuses `force`, which a worker ignores). */
  cancel(id: number, force: boolean): void {
    if (this.direct.cancel(id)) return;
    this.send(() => ({ t: 'cancel', id, force }));
  }

  killActor(actorId: number, noRestart: boolean): void {
    this.send(() => ({ t: 'kill', aid: actorId, noRestart }));
  }

  /** Inside a worker, shutdown() does nothing (see runtime.ts). */
  async shutdown(): Promise<void> {}

  stats(): BackendStats {
    return { mode: 'worker', workerPids: [], numPendingTasks: this.requested.size };
  }
}
