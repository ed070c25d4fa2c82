/**
 * tsrl's runtime, modelled on Ray core: remote functions (tasks), remote classes (actors), an object
 * store with refs, and `get` / `put` / `wait`. See core/README.md for the model and guarantees.
 */
export type { BackendStats, DefinitionSite } from './backend.js';
export {
  ActorDiedError,
  GetTimeoutError,
  ObjectLostError,
  ObjectStoreFullError,
  RemoteError,
  RuntimeError,
  TaskCancelledError,
  TaskTimeoutError,
  WorkerCrashedError,
} from './errors.js';
export { ObjectRef, type RefOr, type RefValue, type RemoteArgs } from './object-ref.js';
export type { ObjectStoreStats } from './object-store.js';
export type { ActorOptions, ResourceOptions, TaskOptions } from './options.js';
export {
  ActorHandle,
  type ActorMethod,
  getActor,
  kill,
  type MethodName,
  type RemoteClass,
  remoteClass,
} from './remote-class.js';
export { type RemoteFunction, remoteFunction } from './remote-function.js';
export {
  type CancelOptions,
  cancel,
  type GetOptions,
  get,
  getGpuIds,
  type InitOptions,
  init,
  isInitialized,
  isWorker,
  put,
  type RefValues,
  runtimeStats,
  shutdown,
  type WaitOptions,
  wait,
} from './runtime.js';
