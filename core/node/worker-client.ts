/** A worker's client of its node: what tasks and actor methods call through the runtime API. */
import type { ActorClass, Backend, BackendStats, DefinitionSite, TaskFunction } from '../backend.js';
import type { EncodedValue } from '../codec.js';
import { RuntimeError } from '../errors.js';
import type { ObjectRef } from '../object-ref.js';
import { ObjectStore } from '../object-store.js';
import type { ResolvedActorOptions, ResolvedTaskOptions } from '../options.js';

function unsupported(): never {
  throw new RuntimeError('tasks and actor methods cannot call the runtime yet');
}

/** Refuses every call. */
export class WorkerClientStub implements Backend {
  readonly store = new ObjectStore(Number.POSITIVE_INFINITY);
  submitTask(_s: DefinitionSite, _f: TaskFunction, _a: EncodedValue, _o: ResolvedTaskOptions): ObjectRef {
    return unsupported();
  }
  put(_v: EncodedValue): ObjectRef {
    return unsupported();
  }
  createActor(_s: DefinitionSite, _c: ActorClass, _a: EncodedValue, _o: ResolvedActorOptions): number {
    return unsupported();
  }
  callActor(_id: number, _m: string, _a: EncodedValue): ObjectRef {
    return unsupported();
  }
  namedActor(_name: string): undefined {
    return unsupported();
  }
  killActor(_id: number, _n: boolean): void {
    unsupported();
  }
  async shutdown(): Promise<void> {}
  stats(): BackendStats {
    return { mode: 'worker', workerPids: [], numPendingTasks: 0 };
  }
}
