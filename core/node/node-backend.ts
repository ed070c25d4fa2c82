/** Process mode: a node with an object store, a scheduler and worker processes. */
import type { ActorClass, Backend, BackendStats, DefinitionSite, TaskFunction } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import { RuntimeError } from '../errors.js';
import type { ObjectRef } from '../object-ref.js';
import { ObjectStore } from '../object-store.js';
import type { ResolvedActorOptions, ResolvedTaskOptions } from '../options.js';
import type { ResolvedInitOptions } from '../runtime.js';

/** Not ready yet. */
export class NodeBackend implements Backend {
  readonly store: ObjectStore;
  constructor(options: ResolvedInitOptions) {
    this.store = new ObjectStore(options.objectStoreMemoryBytes);
  }
  async start(): Promise<void> {
    throw new RuntimeError('process mode is not ready yet: use init({ localMode: true })');
  }
  submitTask(_s: DefinitionSite, _f: TaskFunction, _a: EncodedValue, _o: ResolvedTaskOptions): ObjectRef {
    throw new RuntimeError('not ready');
  }
  createActor(_s: DefinitionSite, _c: ActorClass, _a: EncodedValue, _o: ResolvedActorOptions): number {
    throw new RuntimeError('not ready');
  }
  callActor(_id: number, _m: string, _a: EncodedValue): ObjectRef {
    throw new RuntimeError('not ready');
  }
  namedActor(_name: string): undefined {
    return undefined;
  }
  killActor(_id: number, _n: boolean): void {}
  async shutdown(): Promise<void> {}
  stats(): BackendStats {
    return { mode: 'process', workerPids: [], numPendingTasks: 0 };
  }
}
