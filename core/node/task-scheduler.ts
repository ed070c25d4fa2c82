/**
 * The tasks of a node: they wait until their argument refs are settled, then queue in submission
 * order and are placed on task workers (task-placement.ts); up to ceil(numCpus) task workers run
 * them, plus one more per worker blocked in `get` (its CPU is lent). The scheduler follows each task
 * to its reply, retries it when its worker dies, hands a late task's queue to other workers, and
 * fails a task past its `timeoutMs` (task-stops.ts).
 */
import type { DefinitionSite } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import type { ErrorPayload } from '../errors.js';
import type { ObjectStore } from '../object-store.js';
import { type ResolvedTaskOptions, shouldRetryException } from '../options.js';
import type { ResourcePool } from '../resources.js';
import { removeShared } from '../shared-objects.js';
import { type Reply, toEncoded } from './protocol.js';
import { failedDep, readyValue, runtimePayload } from './store-helpers.js';
import { TaskPlacement } from './task-placement.js';
import { shapeOf, siteFormOf, type TaskRecord, type TaskWorker } from './task-records.js';
import { TaskStops } from './task-stops.js';
import type { WorkerPool, WorkerProcess } from './worker-pool.js';

/** How often the node looks for workers whose running task is late. */
const STALL_CHECK_MS = 250;
/** How late (beyond 4x its measured run time) a running task is before its queue is taken back. */
const STALL_MS = 500;
/** Workers that die before saying `ready`, in a row, before queued tasks fail. */
const MAX_START_FAILURES = 3;
const NO_DEPS: readonly EncodedValue[] = [];
const NO_GPUS: readonly number[] = [];

/** See the module comment. */
export class TaskScheduler {
  /** Task workers blocked in `get`: as many more may start, so nested work never deadlocks the pool. */
  private blockedWorkers = 0;
  private readonly stops: TaskStops;
  private stallTimer: NodeJS.Timeout | undefined;
  private readonly queue: TaskRecord[] = [];
  private readonly placement: TaskPlacement;
  private readonly taskWorkers = new Map<number, TaskWorker>();
  private waitingDeps = 0;
  private scheduled = false;
  private startFailures = 0;
  /** Measured run time per function (moving average), for the pipeline depth. */
  private readonly runMs = new Map<string, number>();
  private stopping = false;

  /** @param beforePass runs at the start of each scheduling pass (names to workers, actors placed first) */
  constructor(
    private readonly store: ObjectStore,
    private readonly resources: ResourcePool,
    private readonly pool: WorkerPool,
    private readonly maxTaskWorkers: number,
    private readonly beforePass: () => void,
  ) {
    this.stops = new TaskStops(store);
    this.placement = new TaskPlacement({
      queue: this.queue,
      workers: this.taskWorkers,
      resources,
      runMs: this.runMs,
      canSpawn: () => this.taskWorkers.size < this.maxTaskWorkers + this.blockedWorkers,
      spawn: () => this.spawnTaskWorker(),
      dispatch: (worker, task) => this.dispatch(worker, task),
    });
  }

  /** A task worker waits in `get`: lend its CPU (Ray does the same) and queue nothing more on it. */
  block(proc: WorkerProcess): void {
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
  unblock(proc: WorkerProcess): void {
    const tw = this.taskWorkers.get(proc.id);
    if (tw === undefined || !tw.blocked) return;
    tw.blocked = false;
    this.blockedWorkers--;
  }

  /** Tasks a worker handed back unstarted go to the front of the queue. */
  requeue(proc: WorkerProcess, ids: readonly number[]): void {
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

  /** Starts the task workers in the background (start-up is slow) and the watch for late tasks. */
  start(): void {
    this.stallTimer = setInterval(() => this.stealFromStalled(), STALL_CHECK_MS);
    this.stallTimer.unref();
    for (let i = 0; i < this.maxTaskWorkers; i++) this.spawnTaskWorker();
  }

  /** Removes an idle, started task worker from the task pool and returns it (for an actor). */
  takeIdleWorker(): WorkerProcess | undefined {
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

  /** Cancels a task (see Backend.cancel): queued, running on a worker, or waiting for its arguments. */
  cancel(id: number, force: boolean): void {
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
  schedule(): void {
    if (this.scheduled || this.stopping) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.beforePass();
      this.placement.placeQueued();
    });
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

  /** A worker said `ready`; false when it is no task worker (an actor's). */
  onReady(proc: WorkerProcess): boolean {
    this.startFailures = 0;
    const tw = this.taskWorkers.get(proc.id);
    if (tw === undefined) return false;
    tw.ready = true;
    this.schedule();
    return true;
  }

  /** A task worker's reply; false when `proc` is no task worker. */
  onMessage(proc: WorkerProcess, m: Reply, frames: readonly Uint8Array[]): boolean {
    const tw = this.taskWorkers.get(proc.id);
    if (tw === undefined) return false;
    const task = tw.inflight.get(m.id);
    if (task === undefined) {
      if (m.t === 'ok') removeShared(toEncoded(m.value, frames));
      return true;
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
      return true;
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
    return true;
  }

  private finish(task: TaskRecord, value: EncodedValue | undefined, error: ErrorPayload | undefined): void {
    this.stops.done(task.id);
    if (value !== undefined) this.store.resolve(task.id, value);
    else if (error !== undefined) this.store.fail(task.id, error);
    for (const dep of task.args.deps) this.store.unpinReader(dep);
    removeShared(task.args);
  }

  /** A worker exited: its tasks retry or fail; false when it was no task worker. */
  onExit(proc: WorkerProcess, description: string): boolean {
    const tw = this.taskWorkers.get(proc.id);
    if (tw === undefined) return false;
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
    return true;
  }

  /** Started task workers' processes (to tell them the named actors). */
  workerProcs(): WorkerProcess[] {
    return [...this.taskWorkers.values()].map((w) => w.proc);
  }

  /** Tasks queued, waiting for their arguments, or in flight. */
  numPending(): number {
    let inflight = 0;
    for (const w of this.taskWorkers.values()) inflight += w.inflight.size;
    return this.queue.length + this.waitingDeps + inflight;
  }

  /** Stops scheduling (at shutdown): nothing more is placed or started. */
  stop(): void {
    this.stopping = true;
    clearInterval(this.stallTimer);
    this.stops.clear();
  }
}
