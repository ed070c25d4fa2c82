/**
 * Tasks stopped before their end: cancelled with `cancel(ref)` or past their `timeoutMs`. Their refs
 * fail at once (TaskCancelledError / TaskTimeoutError); what the worker sends later is dropped, and a
 * worker that dies because it was killed for them does not retry them.
 */
import type { DefinitionSite } from '../backend.js';
import { cancelledPayload, timeoutPayload } from '../errors.js';
import type { ObjectStore } from '../object-store.js';

/** See the module comment. */
export class TaskStops {
  private readonly stopped = new Set<number>();
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(private readonly store: ObjectStore) {}

  /** True when the task was cancelled or timed out (it must not run or retry). */
  has(id: number): boolean {
    return this.stopped.has(id);
  }

  /** Marks a task cancelled and fails its ref. */
  cancel(id: number, site: DefinitionSite): void {
    this.stopped.add(id);
    this.store.fail(id, cancelledPayload(`task ${site.exportName} (ObjectRef(${id}))`));
  }

  /** Starts the task's time limit; `onTimeout` kills its worker. */
  arm(id: number, site: DefinitionSite, timeoutMs: number, onTimeout: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.stopped.add(id);
      this.store.fail(id, timeoutPayload(site, timeoutMs));
      onTimeout();
    }, timeoutMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  /** The task is over (reply, failure or drop): forget it. */
  done(id: number): void {
    this.stopped.delete(id);
    const timer = this.timers.get(id);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.timers.delete(id);
    }
  }

  /** Clears every timer (shutdown). */
  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.stopped.clear();
  }
}
