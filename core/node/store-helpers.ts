/** Small helpers shared by the task scheduler and the actor supervisor. */
import type { EncodedValue } from '../codec.js';
import { type ErrorPayload, toErrorPayload } from '../errors.js';
import type { ObjectStore } from '../object-store.js';

/** The error of the first failed dependency, if any. */
export function failedDep(store: ObjectStore, deps: readonly number[]): ErrorPayload | undefined {
  for (const dep of deps) {
    const s = store.state(dep);
    if (s === undefined)
      return { ...runtimePayload(`argument ObjectRef(${dep}) was freed`), kind: 'object-lost' };
    if (s.kind === 'failed') return s.error;
  }
  return undefined;
}

/** The encoded value of a ready dependency. @throws Error when it is not ready */
export function readyValue(store: ObjectStore, id: number): EncodedValue {
  const s = store.state(id);
  if (s?.kind !== 'ready') throw new Error(`internal: argument ObjectRef(${id}) is not ready`);
  return s.value;
}

/** A runtime error payload. */
export function runtimePayload(message: string): ErrorPayload {
  return toErrorPayload(new Error(message), 'runtime');
}
