/**
 * Whether this process is a worker, and the worker's client of its node. Kept on `globalThis` under
 * a registered symbol, so that a user module that imports the runtime from another path (sources vs.
 * dist/) still sees the worker it runs in.
 */
import type { Backend } from './backend.js';

/** Set by worker-main.ts before it imports any user module. */
export interface WorkerContext {
  /** The worker's client of its node (tasks, actors, objects). */
  readonly backend: Backend;
  /** The module URL being imported to find a definition, while that import runs. */
  loading: string | undefined;
}

const KEY: unique symbol = Symbol.for('tsrl.core.workerContext');
type Holder = { [KEY]?: WorkerContext };

/** This worker's context, or undefined outside workers. */
export function workerContext(): WorkerContext | undefined {
  return (globalThis as Holder)[KEY];
}

/** Marks this process as a worker (worker-main.ts only). */
export function setWorkerContext(context: WorkerContext): void {
  (globalThis as Holder)[KEY] = context;
}
