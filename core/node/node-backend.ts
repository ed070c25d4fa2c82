/**
 * Process mode: one node owning the object store, the resources and the worker processes.
 *
 * Tasks wait until their argument refs are settled, then queue in submission order. The scheduler
 * walks the queue in order: a task whose resources are free runs on an idle task worker (one is
 * started when none is idle, up to ceil(numCpus) task workers); a task that does not fit reserves its
 * resources so later tasks only use what is left (no starvation); while nothing is reserved, tasks of
 * the same resource shape are pipelined to busy workers holding that shape, which run them in
 * order: up to {@link PIPELINE_TARGET_MS} of work per worker by each function's measured run time
 * (1 to {@link PIPELINE_MAX_DEPTH} tasks; {@link PIPELINE_DEFAULT_DEPTH} before any measurement), so
 * short tasks stream while long ones do not queue behind each other. Each actor gets its own worker, started once its resources are free.
 */
import type { ActorClass, Backend, BackendStats, DefinitionSite, TaskFunction } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import type { ErrorPayload } from '../errors.js';
import type { ObjectRef } from '../object-ref.js';
import { ObjectStore } from '../object-store.js';
import {
  type ResolvedActorOptions,
  type ResolvedTaskOptions,
  type ResourceRequest,
  shouldRetryException,
} from '../options.js';
import { type Grant, ResourcePool } from '../resources.js';
import type { ResolvedInitOptions } from '../runtime.js';
import { createSharedDirectory, removeShared, removeSharedDirectory } from '../shared-objects.js';
import { type ActorRecord, ActorSupervisor } from './actor-supervisor.js';
import { ClientRequests } from './client-requests.js';
import type { Reply, WireSite } from './protocol.js';
import { toEncoded } from './protocol.js';
import { failedDep, readyValue, runtimePayload } from './store-helpers.js';
import { TaskStops } from './task-stops.js';
import { WorkerPool, type WorkerProcess } from './worker-pool.js';

/** Tasks of one resource shape sent ahead to one busy worker. */
export const PIPELINE_MAX_DEPTH = 256;
/** Pipeline depth of a function not measured yet. */
export const PIPELINE_DEFAULT_DEPTH = 16;
/** Work (by measured run time) queued ahead on one busy worker. */
export const PIPELINE_TARGET_MS = 8;
/** How often the node looks for workers whose running task is late. */
const STALL_CHECK_MS = 250;
/** How late (beyond 4x its measured run time) a running task is before its queue is taken back. */
const STALL_MS = 500;
/** How many blocked tasks one scheduling pass looks past to backfill free resources. */
const BACKFILL_WINDOW = 32;
/** Workers that die before saying `ready`, in a row, before queued tasks fail. */
const MAX_START_FAILURES = 3;
const NO_DEPS: readonly EncodedValue[] = [];
const NO_GPUS: readonly number[] = [];

interface TaskRecord {
  readonly id: number;
  readonly site: DefinitionSite;
  readonly args: EncodedValue;
  readonly options: ResolvedTaskOptions;
  /** The resource shape, e.g. `CPU=1`. */
  readonly key: string;
  /** `moduleUrl#exportName`, to learn the function's run time. */
  readonly siteKey: string;
  attempts: number;
  dispatchedAtMs: number;
}

interface TaskWorker {
  readonly proc: WorkerProcess;
  ready: boolean;
  /** Runs a task with a time limit: nothing is queued behind it (it may be killed). */
  exclusive: boolean;
  /** Asked to hand back its queued tasks (its running task is late): nothing more is queued on it. */
  stealSent: boolean;
  /** Waiting in `get` inside a task: its CPU is lent to other tasks and nothing is queued on it. */
  blocked: boolean;
  grant: Grant | undefined;
  leaseKey: string;
  readonly inflight: Map<number, TaskRecord>;
  lastReplyAtMs: number;
}

const keyOf = (r: ResourceRequest): string =>
  Object.entries(r)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** Resource shapes by resolved options object (a remote function resolves its options once). */
const shapeKeys = new WeakMap<ResolvedTaskOptions, string>();
const shapeOf = (options: ResolvedTaskOptions): string => {
  let key = shapeKeys.get(options);
  if (key === undefined) {
    key = keyOf(options.resources);
    shapeKeys.set(options, key);
  }
  return key;
};

/** Per definition site: its `moduleUrl#exportName` key and wire form, made once. */
const siteForms = new WeakMap<DefinitionSite, { readonly key: string; readonly wire: WireSite }>();
const siteFormOf = (site: DefinitionSite): { readonly key: string; readonly wire: WireSite } => {
  let form = siteForms.get(site);
  if (form === undefined) {
    form = { key: `${site.moduleUrl}#${site.exportName}`, wire: [site.moduleUrl, site.exportName] };
    siteForms.set(site, form);
  }
  return form;
};

/** See the module comment. */
export class NodeBackend implements Backend {
  readonly store: ObjectStore;
  private readonly resources: ResourcePool;
  private readonly pool: WorkerPool;
  private readonly actors: ActorSupervisor;
  private readonly clients: ClientRequests;
  private readonly maxTaskWorkers: number;
  /** Task workers blocked in `get`: as many more may start, so nested work never deadlocks the pool. */
  private blockedWorkers = 0;
  private namesSent = 0;
  private readonly stops: TaskStops;
  private stallTimer: NodeJS.Timeout | undefined;
  private queue: TaskRecord[] = [];
  private readonly taskWorkers = new Map<number, TaskWorker>();
  private waitingDeps = 0;
  private scheduled = false;
  private startFailures = 0;
  /** Measured run time per function (moving average), for the pipeline depth. */
  private readonly runMs = new Map<string, number>();
  private stopping = false;

  constructor(options: ResolvedInitOptions) {
    this.store = new ObjectStore(options.objectStoreMemoryBytes, options.spillDirectory);
    if (options.sharedMemoryDirectory !== undefined) createSharedDirectory(options.sharedMemoryDirectory);
    this.stops = new TaskStops(this.store);
    this.resources = new ResourcePool(options.resources);
    this.maxTaskWorkers = Math.max(1, Math.ceil(options.resources['CPU'] ?? 1));
    this.pool = new WorkerPool(
      {
        onReady: (w) => this.onReady(w),
        onMessage: (w, m, frames) => this.onMessage(w, m, frames),
        onExit: (w, description) => this.onExit(w, description),
        onRequest: (w, m, frames) => this.clients.handle(w, m, frames),
        onRequeue: (w, ids) => this.requeue(w, ids),
      },
      options.transport,
    );
    this.actors = new ActorSupervisor(
      this.store,
      this.resources,
      this.pool,
      () => this.schedule(),
      () => this.takeIdleWorker(),
    );
    this.clients = new ClientRequests(this.store, this.pool, this.actors, {
      submitWithId: (id, site, args, opts) => this.submitWithId(id, site, args, opts),
      block: (w) => this.block(w),
      unblock: (w) => this.unblock(w),
      requeue: (w, ids) => this.requeue(w, ids),
      cancel: (id, force) => this.cancel(id, force, false),
    });
  }

  /** A task worker waits in `get`: lend its CPU (Ray does the same) and queue nothing more on it. */
  private block(proc: WorkerProcess): void {
    const tw = this.taskWorkers.get(proc.id);
    if (tw === undefined || tw.blocked) return;
    tw.blocked = true;
    this.blockedWorkers++;
    if (tw.grant !== undefined) {
      this.resources.release(tw.grant);
      tw.grant = undefined;
    }
    this.schedule();
  }

  /** The worker's `get` returned: it runs on without a grant (briefly above the CPU count, as Ray). */
  private unblock(proc: WorkerProcess): void {
    const tw = this.taskWorkers.get(proc.id);
    if (tw === undefined || !tw.blocked) return;
    tw.blocked = false;
    this.blockedWorkers--;
  }

  /** Tasks a worker handed back unstarted go to the front of the queue. */
  private requeue(proc: WorkerProcess, ids: readonly number[]): void {
    const tw = this.taskWorkers.get(proc.id);
    if (tw === undefined) return;
    const back: TaskRecord[] = [];
    for (const id of ids) {
      const task = tw.inflight.get(id);
      if (task === undefined) continue;
      tw.inflight.delete(id);
      task.attempts--;
      back.push(task);
    }
    this.queue.unshift(...back);
    this.schedule();
  }

  /**
   * A worker whose running task is late (no reply for {@link STALL_MS} plus 4x the function's measured
   * run time) is asked to hand back the tasks pipelined behind it, so a hung task does not hold them
   * while other workers are free. A worker stuck in synchronous code cannot answer: its queued tasks
   * wait for it (or for its `timeoutMs`).
   */
  private stealFromStalled(): void {
    const now = performance.now();
    for (const tw of this.taskWorkers.values()) {
      if (tw.stealSent || tw.inflight.size < 2) continue;
      const first = tw.inflight.values().next().value as TaskRecord;
      const expected = 4 * (this.runMs.get(first.siteKey) ?? 0);
      if (now - Math.max(tw.lastReplyAtMs, first.dispatchedAtMs) < STALL_MS + expected) continue;
      tw.stealSent = true;
      this.pool.send(tw.proc, () => ({ t: 'steal' }));
    }
  }

  /** Tells every worker the named actors when the table changed (before the tasks of this pass). */
  private sendNames(): void {
    if (this.actors.namesVersion === this.namesSent) return;
    this.namesSent = this.actors.namesVersion;
    const names = this.actors.namesTable();
    const all = [...[...this.taskWorkers.values()].map((w) => w.proc), ...this.actors.workers()];
    for (const w of all) if (w.pid !== undefined) this.pool.send(w, () => ({ t: 'names', names }));
  }

  /** Binds the node's socket and starts the task workers in the background (start-up is slow). */
  async start(): Promise<void> {
    await this.pool.start();
    this.stallTimer = setInterval(() => this.stealFromStalled(), STALL_CHECK_MS);
    this.stallTimer.unref();
    for (let i = 0; i < this.maxTaskWorkers; i++) this.spawnTaskWorker();
  }

  /** Removes an idle, started task worker from the task pool and returns it (for an actor). */
  private takeIdleWorker(): WorkerProcess | undefined {
    for (const w of this.taskWorkers.values()) {
      if (w.ready && w.inflight.size === 0 && w.grant === undefined) {
        this.taskWorkers.delete(w.proc.id);
        // Keep the task pool warm: start the replacement now, not when the next task arrives.
        this.spawnTaskWorker();
        return w.proc;
      }
    }
    return undefined;
  }

  submitTask(
    site: DefinitionSite,
    _fn: TaskFunction,
    args: EncodedValue,
    options: ResolvedTaskOptions,
  ): ObjectRef {
    const ref = this.store.createPending();
    this.submitWithId(ref.id, site, args, options);
    return ref;
  }

  /** Submits a task whose result object `id` already exists (pending) in the store. */
  submitWithId(id: number, site: DefinitionSite, args: EncodedValue, options: ResolvedTaskOptions): void {
    const task: TaskRecord = {
      id,
      site,
      args,
      options,
      key: shapeOf(options),
      siteKey: siteFormOf(site).key,
      attempts: 0,
      dispatchedAtMs: 0,
    };
    const infeasible = this.resources.infeasible(options.resources);
    if (infeasible !== undefined) {
      this.store.fail(id, runtimePayload(`task ${site.exportName} ${infeasible}`));
      removeShared(args);
      return;
    }
    for (const dep of args.deps) this.store.pinReader(dep);
    let pending = 0;
    for (const dep of args.deps) if (this.store.state(dep)?.kind === 'pending') pending++;
    if (pending === 0) this.enqueue(task);
    else {
      this.waitingDeps++;
      for (const dep of args.deps) {
        if (this.store.state(dep)?.kind !== 'pending') continue;
        this.store.onSettled(dep, () => {
          if (--pending === 0) {
            this.waitingDeps--;
            this.enqueue(task);
          }
        });
      }
    }
  }

  /**
   * Cancels a task or actor call (see Backend.cancel). `strict`: a driver call, where `force` on an
   * actor call is refused (a worker's request cannot be refused, so there it is ignored).
   */
  cancel(id: number, force: boolean, strict = true): void {
    if (!this.store.isPending(id)) return;
    if (this.actors.cancel(id, force && strict)) return;
    const queued = this.queue.findIndex((t) => t.id === id);
    if (queued >= 0) {
      const [task] = this.queue.splice(queued, 1) as [TaskRecord];
      this.stops.cancel(id, task.site);
      this.finish(task, undefined, undefined);
      return;
    }
    for (const tw of this.taskWorkers.values()) {
      const task = tw.inflight.get(id);
      if (task === undefined) continue;
      this.stops.cancel(id, task.site);
      if (force) this.pool.kill(tw.proc);
      else this.pool.send(tw.proc, () => ({ t: 'cancel', id }));
      return;
    }
    // Still waiting for its argument refs: `enqueue` drops it.
    this.stops.cancel(id, { moduleUrl: '', exportName: 'waiting for its arguments' });
  }

  private enqueue(task: TaskRecord): void {
    if (this.stops.has(task.id)) {
      this.finish(task, undefined, undefined);
      return;
    }
    const failed = failedDep(this.store, task.args.deps);
    if (failed !== undefined) {
      this.finish(task, undefined, failed);
      return;
    }
    this.queue.push(task);
    this.schedule();
  }

  /** Runs the scheduler once at the end of the current tick, however many events asked for it. */
  private schedule(): void {
    if (this.scheduled || this.stopping) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.sendNames();
      this.actors.placePending();
      this.placeTasks();
    });
  }

  private placeTasks(): void {
    const reserved: Record<string, number> = {};
    let anyReserved = false;
    let blocked = 0;
    /** Shapes that could not be placed in this pass: later tasks of the same shape cannot either. */
    const stuck = new Set<string>();
    const left: TaskRecord[] = [];
    let i = 0;
    // Backfill past blocked tasks only within a window, so a pass costs O(placed + window).
    for (; i < this.queue.length && blocked < BACKFILL_WINDOW; i++) {
      const task = this.queue[i] as TaskRecord;
      blocked++;
      left.push(task);
      // One reservation per stuck shape is enough: its first task goes first once resources free up.
      if (stuck.has(task.key)) continue;
      if (this.place(task, task.key, reserved, anyReserved)) {
        blocked--;
        left.pop();
        continue;
      }
      stuck.add(task.key);
      anyReserved = true;
      for (const [name, amount] of Object.entries(task.options.resources)) {
        reserved[name] = (reserved[name] ?? 0) + amount;
      }
    }
    this.queue.splice(0, i, ...left);
  }

  /** Places one task on an idle worker, a new worker, or (nothing reserved) a busy one of its shape. */
  private place(
    task: TaskRecord,
    key: string,
    reserved: Record<string, number>,
    anyReserved: boolean,
  ): boolean {
    const req = task.options.resources;
    // 'pack': onto a busy worker of this shape with room first, so the task takes no more CPUs.
    if (task.options.strategy === 'pack' && !anyReserved && task.options.timeoutMs === undefined) {
      const busy = this.busyWorkerFor(task, key);
      if (busy !== undefined) {
        this.dispatch(busy, task);
        return true;
      }
    }
    if (this.resources.fits(req, reserved)) {
      const idle = this.findWorker((w) => w.ready && !w.blocked && w.inflight.size === 0);
      const grant = idle === undefined ? undefined : this.resources.acquire(req);
      if (idle !== undefined && grant !== undefined) {
        idle.grant = grant;
        idle.leaseKey = key;
        this.dispatch(idle, task);
        return true;
      }
      if (this.taskWorkers.size < this.maxTaskWorkers + this.blockedWorkers) {
        this.spawnTaskWorker();
        return false;
      }
    }
    if (anyReserved || task.options.timeoutMs !== undefined) return false;
    // The first batch of a function that never ran waits for the task workers still starting instead
    // of queueing behind the first ready one (that put 7 of 8 half-second tasks on one worker).
    if (!this.runMs.has(task.siteKey) && this.findWorker((w) => !w.ready) !== undefined) return false;
    const busy = this.busyWorkerFor(task, key);
    if (busy === undefined) return false;
    this.dispatch(busy, task);
    return true;
  }

  /**
   * A busy worker holding the task's resource shape with room in its pipeline: the first found, or
   * with `spread` the one with the fewest tasks in flight.
   */
  private busyWorkerFor(task: TaskRecord, key: string): TaskWorker | undefined {
    const depth = this.depthOf(task);
    let best: TaskWorker | undefined;
    for (const w of this.taskWorkers.values()) {
      if (
        !w.ready ||
        w.blocked ||
        w.exclusive ||
        w.stealSent ||
        w.grant === undefined ||
        w.leaseKey !== key ||
        w.inflight.size >= depth
      )
        continue;
      if (task.options.strategy !== 'spread') return w;
      if (best === undefined || w.inflight.size < best.inflight.size) best = w;
    }
    return best;
  }

  private findWorker(predicate: (w: TaskWorker) => boolean): TaskWorker | undefined {
    for (const w of this.taskWorkers.values()) if (predicate(w)) return w;
    return undefined;
  }

  private spawnTaskWorker(): void {
    if (this.stopping) return;
    const proc = this.pool.spawn({});
    this.taskWorkers.set(proc.id, {
      proc,
      ready: false,
      grant: undefined,
      leaseKey: '',
      inflight: new Map(),
      lastReplyAtMs: 0,
      blocked: false,
      exclusive: false,
      stealSent: false,
    });
  }

  /** How many tasks of this function may queue on one worker (see the module comment). */
  private depthOf(task: TaskRecord): number {
    const ms = this.runMs.get(task.siteKey);
    if (ms === undefined) return PIPELINE_DEFAULT_DEPTH;
    return Math.max(1, Math.min(PIPELINE_MAX_DEPTH, Math.floor(PIPELINE_TARGET_MS / Math.max(ms, 1e-3))));
  }

  private dispatch(worker: TaskWorker, task: TaskRecord): void {
    task.attempts++;
    task.dispatchedAtMs = performance.now();
    worker.inflight.set(task.id, task);
    const limit = task.options.timeoutMs;
    if (limit !== undefined) {
      worker.exclusive = true;
      this.stops.arm(task.id, task.site, limit, () => this.pool.kill(worker.proc));
    }
    const deps =
      task.args.deps.length === 0 ? NO_DEPS : task.args.deps.map((id) => readyValue(this.store, id));
    const site = siteFormOf(task.site).wire;
    const gpu = worker.grant?.gpuIds ?? NO_GPUS;
    this.pool.send(worker.proc, (v) => ({
      t: 'task',
      id: task.id,
      site,
      args: v(task.args),
      deps: deps.map(v),
      gpu,
    }));
  }

  private onReady(proc: WorkerProcess): void {
    this.startFailures = 0;
    const tw = this.taskWorkers.get(proc.id);
    const names = this.actors.namesTable();
    if (names.length > 0) this.pool.send(proc, () => ({ t: 'names', names }));
    if (tw !== undefined) {
      tw.ready = true;
      this.schedule();
    } else this.actors.onReady(proc);
  }

  private onMessage(proc: WorkerProcess, m: Reply, frames: readonly Uint8Array[]): void {
    const tw = this.taskWorkers.get(proc.id);
    if (tw === undefined) {
      this.actors.onMessage(proc, m, frames);
      return;
    }
    const task = tw.inflight.get(m.id);
    if (task === undefined) {
      if (m.t === 'ok') removeShared(toEncoded(m.value, frames));
      return;
    }
    // Run time as the worker measured it; else the time since the worker could start this task.
    const now = performance.now();
    const ranMs = m.ms ?? now - Math.max(task.dispatchedAtMs, tw.lastReplyAtMs);
    tw.lastReplyAtMs = now;
    tw.stealSent = false;
    const prev = this.runMs.get(task.siteKey);
    this.runMs.set(task.siteKey, prev === undefined ? ranMs : 0.8 * prev + 0.2 * ranMs);
    tw.inflight.delete(m.id);
    if (tw.inflight.size === 0) tw.exclusive = false;
    if (this.stops.has(m.id)) {
      if (m.t === 'ok') removeShared(toEncoded(m.value, frames));
      this.finish(task, undefined, undefined);
      if (tw.inflight.size === 0 && tw.grant !== undefined) {
        this.resources.release(tw.grant);
        tw.grant = undefined;
      }
      this.schedule();
      return;
    }
    if (tw.inflight.size === 0 && tw.blocked) this.unblock(proc);
    if (tw.inflight.size === 0 && tw.grant !== undefined) {
      this.resources.release(tw.grant);
      tw.grant = undefined;
    }
    if (m.t === 'ok') this.finish(task, toEncoded(m.value, frames), undefined);
    else if (
      task.attempts <= task.options.maxRetries &&
      shouldRetryException(task.options.retryExceptions, m.error.name)
    ) {
      this.queue.unshift(task);
    } else this.finish(task, undefined, m.error);
    this.schedule();
  }

  private finish(task: TaskRecord, value: EncodedValue | undefined, error: ErrorPayload | undefined): void {
    this.stops.done(task.id);
    if (value !== undefined) this.store.resolve(task.id, value);
    else if (error !== undefined) this.store.fail(task.id, error);
    for (const dep of task.args.deps) this.store.unpinReader(dep);
    removeShared(task.args);
  }

  private onExit(proc: WorkerProcess, description: string): void {
    if (this.stopping) return;
    this.clients.onExit(proc);
    const tw = this.taskWorkers.get(proc.id);
    if (tw === undefined) {
      this.actors.onExit(proc, description);
      return;
    }
    this.taskWorkers.delete(proc.id);
    if (tw.blocked) this.unblock(proc);
    if (tw.grant !== undefined) this.resources.release(tw.grant);
    const retry: TaskRecord[] = [];
    for (const task of tw.inflight.values()) {
      if (this.stops.has(task.id)) this.finish(task, undefined, undefined);
      else if (task.attempts <= task.options.maxRetries) retry.push(task);
      else {
        const message =
          `worker pid ${proc.proc.pid} running task ${task.site.exportName} died (${description}); ` +
          `it ran ${task.attempts} time(s) and maxRetries is ${task.options.maxRetries}`;
        this.finish(task, undefined, {
          kind: 'worker-crashed',
          name: 'WorkerCrashedError',
          message,
          stack: `WorkerCrashedError: ${message}`,
        });
      }
    }
    this.queue.unshift(...retry);
    if (!tw.ready && ++this.startFailures >= MAX_START_FAILURES) {
      const message = `${this.startFailures} worker processes in a row exited before starting (last: ${description}); see their stderr`;
      for (const task of this.queue.splice(0)) this.finish(task, undefined, runtimePayload(message));
    }
    this.schedule();
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
    const a: ActorRecord | undefined = this.actors.named(name);
    return a === undefined ? undefined : { actorId: a.id, site: a.site };
  }

  killActor(actorId: number, noRestart: boolean): void {
    this.actors.kill(actorId, noRestart);
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.stallTimer);
    this.stops.clear();
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

  stats(): BackendStats {
    let inflight = 0;
    for (const w of this.taskWorkers.values()) inflight += w.inflight.size;
    return {
      mode: 'process',
      workerPids: this.pool.pids(),
      numPendingTasks: this.queue.length + this.waitingDeps + inflight,
      sentFrameBytes: this.pool.sentFrameBytes,
    };
  }
}
