/**
 * A worker's client of its node: what tasks and actor methods reach through the runtime API (nested
 * tasks, actors, put / get / wait). Calls return at once with ids this worker makes (its worker id in
 * the high bits); requests go to the node in the worker's outgoing batch. The worker's store holds
 * the objects it put and the values it received, each counted locally: the node is told once when an
 * id first appears here (a borrow) and once when it is freed here (a release).
 */
import type { ActorClass, Backend, BackendStats, DefinitionSite, TaskFunction } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import type { ObjectRef } from '../object-ref.js';
import { ObjectStore, setObjectIdBase } from '../object-store.js';
import type { ResolvedActorOptions, ResolvedTaskOptions } from '../options.js';
import type { BatchSender } from './batch-sender.js';
import { type FromWorker, type ToWorker, toEncoded, type WireName } from './protocol.js';

/** Ids made by a worker: `workerId * ID_RANGE + n` (below 2^53 for worker ids under 2^21). */
const ID_RANGE = 2 ** 32;

/** See the module comment. */
export class WorkerClient implements Backend {
  readonly store: ObjectStore;
  private readonly requested = new Set<number>();
  private readonly names = new Map<string, { readonly actorId: number; readonly site: DefinitionSite }>();
  private nextActor = 1;
  private readonly actorBase: number;

  /**
   * @param takeQueued hands back the tasks queued behind the running one (sent back to the node when
   * a task blocks in `get`, so they never wait behind it)
   */
  constructor(
    private readonly sender: BatchSender<FromWorker>,
    workerId: number,
    private readonly takeQueued: () => number[],
  ) {
    setObjectIdBase(workerId * ID_RANGE);
    this.actorBase = workerId * ID_RANGE;
    this.store = new ObjectStore(Number.POSITIVE_INFINITY, undefined, {
      onFree: (id) => this.send(() => ({ t: 'release', ids: [id] })),
      onBorrow: (id) => this.send(() => ({ t: 'borrow', ids: [id] })),
      pinsInnerRefs: false,
      ownsSharedFiles: false,
    });
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
    this.send((v) => ({ t: 'submit', id: ref.id, site: wireSite, args: v(args), opts: options }));
    return ref;
  }

  put(value: EncodedValue): ObjectRef {
    const ref = this.store.putReady(value);
    this.send((v) => ({ t: 'put', id: ref.id, value: v(value) }));
    return ref;
  }

  fetch(ids: readonly number[]): void {
    const ask: number[] = [];
    for (const id of ids) {
      if (!this.store.isPending(id) || this.requested.has(id)) continue;
      this.requested.add(id);
      ask.push(id);
    }
    if (ask.length === 0) return;
    const requeue = this.takeQueued();
    this.send(() => ({ t: 'get', ids: ask, requeue }));
  }

  /** The node's answer to `get`. */
  onObject(m: Extract<ToWorker, { t: 'obj' }>, frames: readonly Uint8Array[]): void {
    this.requested.delete(m.id);
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
    const { name, ...rest } = options;
    const opts = name === undefined ? rest : { ...rest, name };
    this.send((v) => ({ t: 'create', aid, site: wireSite, args: v(args), opts }));
    if (name !== undefined) this.names.set(name, { actorId: aid, site });
    return aid;
  }

  callActor(actorId: number, method: string, args: EncodedValue): ObjectRef {
    const ref = this.store.createPending();
    this.send((v) => ({ t: 'acall', id: ref.id, aid: actorId, method, args: v(args) }));
    return ref;
  }

  namedActor(name: string): { readonly actorId: number; readonly site: DefinitionSite } | undefined {
    return this.names.get(name);
  }

  cancel(id: number, force: boolean): void {
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
