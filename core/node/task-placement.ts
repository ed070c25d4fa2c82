/**
 * Which task worker runs each queued task, in one pass over the queue: a task whose resources are
 * free runs on an idle worker (one is started when none is idle); a task that does not fit reserves
 * its resources so later tasks only use what is left (no starvation), looking past at most
 * {@link BACKFILL_WINDOW} blocked tasks; while nothing is reserved, tasks are pipelined to busy workers
 * holding their resource shape, up to {@link PIPELINE_TARGET_MS} of measured work each. The task's
 * `strategy` picks among busy workers: the first found, the least loaded (`spread`), or a busy one
 * before an idle one (`pack`).
 */
import type { ResourcePool } from '../resources.js';
import {
  PIPELINE_DEFAULT_DEPTH,
  PIPELINE_MAX_DEPTH,
  PIPELINE_TARGET_MS,
  type TaskRecord,
  type TaskWorker,
} from './task-records.js';

/** How many blocked tasks one scheduling pass looks past to backfill free resources. */
const BACKFILL_WINDOW = 32;

/** What placement reads and does in the scheduler. */
export interface PlacementContext {
  /** Tasks ready to run, in submission order; placed ones are removed. */
  readonly queue: TaskRecord[];
  readonly workers: ReadonlyMap<number, TaskWorker>;
  readonly resources: ResourcePool;
  /** Measured run time per function (`siteKey`). */
  readonly runMs: ReadonlyMap<string, number>;
  /** Whether one more task worker may start. */
  canSpawn(): boolean;
  spawn(): void;
  dispatch(worker: TaskWorker, task: TaskRecord): void;
}

/** See the module comment. */
export class TaskPlacement {
  constructor(private readonly ctx: PlacementContext) {}

  /** One scheduling pass over the queue (see the module comment). */
  placeQueued(): void {
    const reserved: Record<string, number> = {};
    let anyReserved = false;
    let blocked = 0;
    /** Shapes that could not be placed in this pass: later tasks of the same shape cannot either. */
    const stuck = new Set<string>();
    const left: TaskRecord[] = [];
    let i = 0;
    // Backfill past blocked tasks only within a window, so a pass costs O(placed + window).
    for (; i < this.ctx.queue.length && blocked < BACKFILL_WINDOW; i++) {
      const task = this.ctx.queue[i] as TaskRecord;
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
    this.ctx.queue.splice(0, i, ...left);
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
        this.ctx.dispatch(busy, task);
        return true;
      }
    }
    if (this.ctx.resources.fits(req, reserved)) {
      const idle = this.findWorker((w) => w.ready && !w.blocked && w.inflight.size === 0);
      const grant = idle === undefined ? undefined : this.ctx.resources.acquire(req);
      if (idle !== undefined && grant !== undefined) {
        idle.grant = grant;
        idle.leaseKey = key;
        this.ctx.dispatch(idle, task);
        return true;
      }
      if (this.ctx.canSpawn()) {
        this.ctx.spawn();
        return false;
      }
    }
    if (anyReserved || task.options.timeoutMs !== undefined) return false;
    // The first batch of a function that never ran waits for the task workers still starting instead
    // of queueing behind the first ready one (that put 7 of 8 half-second tasks on one worker).
    if (!this.ctx.runMs.has(task.siteKey) && this.findWorker((w) => !w.ready) !== undefined) return false;
    const busy = this.busyWorkerFor(task, key);
    if (busy === undefined) return false;
    this.ctx.dispatch(busy, task);
    return true;
  }

  /**
   * A busy worker holding the task's resource shape with room in its pipeline: the first found, or
   * with `spread` the one with the fewest tasks in flight.
   */
  private busyWorkerFor(task: TaskRecord, key: string): TaskWorker | undefined {
    const depth = this.depthOf(task);
    let best: TaskWorker | undefined;
    for (const w of this.ctx.workers.values()) {
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
    for (const w of this.ctx.workers.values()) if (predicate(w)) return w;
    return undefined;
  }
  /** How many tasks of this function may queue on one worker (see the module comment). */
  private depthOf(task: TaskRecord): number {
    const ms = this.ctx.runMs.get(task.siteKey);
    if (ms === undefined) return PIPELINE_DEFAULT_DEPTH;
    return Math.max(1, Math.min(PIPELINE_MAX_DEPTH, Math.floor(PIPELINE_TARGET_MS / Math.max(ms, 1e-3))));
  }
}
