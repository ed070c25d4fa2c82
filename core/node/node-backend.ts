/**
 * Process mode: one node in the driver's process, owning the object store, the resources and the
 * worker processes. It wires the parts together and routes each worker's messages: replies of task
 * workers to the task scheduler (task-scheduler.ts), of actor workers to the actor supervisor
 * (actor-supervisor.ts), requests of workers acting as clients to client-requests.ts.
 */
import type { ActorClass, Backend, BackendStats, DefinitionSite, TaskFunction } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import type { ObjectRef } from '../object-ref.js';
import { ObjectStore } from '../object-store.js';
import type { ResolvedActorOptions, ResolvedTaskOptions } from '../options.js';
import { ResourcePool } from '../resources.js';
import type { ResolvedInitOptions } from '../runtime.js';
import { createSharedDirectory, removeSharedDirectory } from '../shared-objects.js';
import { ActorSupervisor } from './actor-supervisor.js';
import { ClientRequests } from './client-requests.js';
import type { Reply } from './protocol.js';
import { TaskScheduler } from './task-scheduler.js';
import { WorkerPool, type WorkerProcess } from './worker-pool.js';

/** See the module comment. */
export class NodeBackend implements Backend {
  readonly store: ObjectStore;
  private readonly resources: ResourcePool;
  private readonly pool: WorkerPool;
  private readonly actors: ActorSupervisor;
  private readonly clients: ClientRequests;
  private readonly tasks: TaskScheduler;
  private namesSent = 0;
  private stopping = false;

  constructor(options: ResolvedInitOptions) {
    this.store = new ObjectStore(options.objectStoreMemoryBytes, options.spillDirectory);
    if (options.sharedMemoryDirectory !== undefined) createSharedDirectory(options.sharedMemoryDirectory);
    this.resources = new ResourcePool(options.resources);
    this.pool = new WorkerPool(
      {
        onReady: (w) => this.onReady(w),
        onMessage: (w, m, frames) => this.onMessage(w, m, frames),
        onExit: (w, description) => this.onExit(w, description),
        onRequest: (w, m, frames) => this.clients.handle(w, m, frames),
        onRequeue: (w, ids) => this.tasks.requeue(w, ids),
      },
      options.transport,
    );
    const maxTaskWorkers = Math.max(1, Math.ceil(options.resources['CPU'] ?? 1));
    this.tasks = new TaskScheduler(this.store, this.resources, this.pool, maxTaskWorkers, () => {
      this.sendNames();
      this.actors.placePending();
    });
    this.actors = new ActorSupervisor(
      this.store,
      this.resources,
      this.pool,
      () => this.tasks.schedule(),
      () => this.tasks.takeIdleWorker(),
    );
    this.clients = new ClientRequests(this.store, this.pool, this.actors, {
      submitWithId: (id, site, args, opts) => this.tasks.submitWithId(id, site, args, opts),
      block: (w) => this.tasks.block(w),
      unblock: (w) => this.tasks.unblock(w),
      requeue: (w, ids) => this.tasks.requeue(w, ids),
      cancel: (id, force) => this.cancel(id, force, false),
    });
  }

  /** Binds the node's socket and starts the task workers in the background (start-up is slow). */
  async start(): Promise<void> {
    await this.pool.start();
    this.tasks.start();
  }

  /** Tells every worker the named actors when the table changed (before the tasks of this pass). */
  private sendNames(): void {
    if (this.actors.namesVersion === this.namesSent) return;
    this.namesSent = this.actors.namesVersion;
    const names = this.actors.namesTable();
    for (const w of [...this.tasks.workerProcs(), ...this.actors.workers()]) {
      if (w.pid !== undefined) this.pool.send(w, () => ({ t: 'names', names }));
    }
  }

  private onReady(proc: WorkerProcess): void {
    const names = this.actors.namesTable();
    if (names.length > 0) this.pool.send(proc, () => ({ t: 'names', names }));
    if (!this.tasks.onReady(proc)) this.actors.onReady(proc);
  }

  private onMessage(proc: WorkerProcess, m: Reply, frames: readonly Uint8Array[]): void {
    if (!this.tasks.onMessage(proc, m, frames)) this.actors.onMessage(proc, m, frames);
  }

  private onExit(proc: WorkerProcess, description: string): void {
    if (this.stopping) return;
    this.clients.onExit(proc);
    if (!this.tasks.onExit(proc, description)) this.actors.onExit(proc, description);
  }

  submitTask(
    site: DefinitionSite,
    _fn: TaskFunction,
    args: EncodedValue,
    options: ResolvedTaskOptions,
  ): ObjectRef {
    const ref = this.store.createPending();
    this.tasks.submitWithId(ref.id, site, args, options);
    return ref;
  }

  /**
   * Cancels a task or actor call (see Backend.cancel). `strict`: a driver call, where `force` on an
   * actor call is refused (a worker's request cannot be refused, so there it is ignored).
   */
  cancel(id: number, force: boolean, strict = true): void {
    if (!this.store.isPending(id)) return;
    if (this.actors.cancel(id, force && strict)) return;
    this.tasks.cancel(id, force);
  }

  put(value: EncodedValue): ObjectRef {
    return this.store.putReady(value);
  }

  createActor(
    site: DefinitionSite,
    _cls: ActorClass,
    args: EncodedValue,
    options: ResolvedActorOptions,
  ): number {
    return this.actors.create(site, args, options);
  }

  callActor(actorId: number, method: string, args: EncodedValue): ObjectRef {
    return this.actors.call(actorId, method, args);
  }

  namedActor(name: string): { readonly actorId: number; readonly site: DefinitionSite } | undefined {
    const a = this.actors.named(name);
    return a === undefined ? undefined : { actorId: a.id, site: a.site };
  }

  killActor(actorId: number, noRestart: boolean): void {
    this.actors.kill(actorId, noRestart);
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    this.tasks.stop();
    this.actors.stop();
    this.store.failAllPending({
      kind: 'object-lost',
      name: 'ObjectLostError',
      message: 'the runtime shut down before the object was produced',
      stack: 'ObjectLostError: the runtime shut down before the object was produced',
    });
    this.store.close();
    await this.pool.shutdown();
    removeSharedDirectory();
  }

  /** Resources held by running tasks and live actors (a cluster node reports them to the head). */
  resourcesInUse(): Record<string, number> {
    return this.resources.inUseNow();
  }

  stats(): BackendStats {
    return {
      mode: 'process',
      workerPids: this.pool.pids(),
      numPendingTasks: this.tasks.numPending(),
      sentFrameBytes: this.pool.sentFrameBytes,
    };
  }
}
