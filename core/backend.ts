/**
 * The contract between the public API (runtime.ts, remote-function.ts, remote-class.ts) and a way of
 * running work: in the caller's process (local-backend.ts) or in worker processes of a node (node/).
 */
import type { EncodedValue } from './codec.js';
import type { ObjectRef } from './object-ref.js';
import type { ObjectStore } from './object-store.js';
import type { ResolvedActorOptions, ResolvedTaskOptions } from './options.js';

/** Where a definition lives: workers import `moduleUrl` and take the export `exportName`. */
export interface DefinitionSite {
  readonly moduleUrl: string;
  readonly exportName: string;
}

/** A function a task runs. */
export type TaskFunction = (...args: never[]) => unknown;

/** A class an actor instantiates. */
export type ActorClass = new (...args: never[]) => object;

/** Numbers about a running backend, for tests and benchmarks. */
export interface BackendStats {
  readonly mode: 'local' | 'process' | 'worker' | 'cluster';
  /** Pids of live worker processes (empty in local mode). */
  readonly workerPids: readonly number[];
  readonly numPendingTasks: number;
  /** Process mode: bytes of value frames the node sent to workers over its socket (large objects go through shared files instead). */
  readonly sentFrameBytes?: number;
}

/** A way of running tasks and actors. Every method returns at once; results arrive in the store. */
export interface Backend {
  readonly store: ObjectStore;
  /** Submits a task; `args` is the encoded argument list with ref slots. */
  submitTask(
    site: DefinitionSite,
    fn: TaskFunction,
    args: EncodedValue,
    options: ResolvedTaskOptions,
  ): ObjectRef;
  /** Creates an actor and returns its id. @throws Error when the name is taken */
  createActor(
    site: DefinitionSite,
    cls: ActorClass,
    args: EncodedValue,
    options: ResolvedActorOptions,
  ): number;
  /** Stores a value (`put`). @throws ObjectStoreFullError */
  put(value: EncodedValue): ObjectRef;
  /** Asks for the values of pending refs this process does not produce itself (workers ask their node). */
  fetch?(ids: readonly number[]): void;
  /**
   * Cancels a task or actor call by its result id: a queued one never runs; a running one's result
   * is dropped (its ref fails with TaskCancelledError at once); with `force` a running task's worker
   * is killed. Settled objects are left alone.
   */
  cancel(id: number, force: boolean): void;
  /** Calls a method; calls on one actor start in submission order. */
  callActor(actorId: number, method: string, args: EncodedValue): ObjectRef;
  /** The actor registered under `name`, if alive. */
  namedActor(name: string): { readonly actorId: number; readonly site: DefinitionSite } | undefined;
  /** Kills an actor; with `noRestart: false` it restarts if it has restarts left. */
  killActor(actorId: number, noRestart: boolean): void;
  /** Stops everything; pending objects fail. */
  shutdown(): Promise<void>;
  /** Numbers for tests and benchmarks. */
  stats(): BackendStats;
}
