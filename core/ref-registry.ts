/**
 * The FinalizationRegistries that count dropped `ObjectRef`s (one per store), and
 * {@link reclaimDroppedRefs}, which frees them at once instead of at V8's next cleanup task.
 *
 * A finalizer normally runs only after the event loop turns, so refs dropped inside a synchronous
 * loop (or an `await` loop that never yields to the event loop) are not freed in time: 200 puts of
 * 10 MB under a 1 GiB limit failed at put 107. When the store would be full it calls
 * {@link reclaimDroppedRefs}: a full GC, then `FinalizationRegistry.prototype.cleanupSome`, which runs
 * the pending finalizers synchronously. Both are behind V8 flags (`--expose-gc`,
 * `--harmony-weak-refs-with-cleanup-some`) that take effect for contexts made after they are set, so
 * the registries and `gc` come from a fresh `vm` context. Where V8 lacks them, reclaiming does nothing
 * and the store spills instead.
 */
import { setFlagsFromString } from 'node:v8';
import { createContext, runInContext } from 'node:vm';

type Registry = FinalizationRegistry<number> & { cleanupSome?: () => void };

function fromFreshContext(): { ctor: typeof FinalizationRegistry; gc: (() => void) | undefined } {
  try {
    setFlagsFromString('--expose-gc');
    setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    const context = createContext({});
    const ctor = runInContext('FinalizationRegistry', context) as typeof FinalizationRegistry;
    const gc = runInContext('typeof gc === "function" ? gc : undefined', context) as (() => void) | undefined;
    return { ctor, gc };
  } catch {
    return { ctor: FinalizationRegistry, gc: undefined };
  }
}

const fresh = fromFreshContext();
/** Every registry made here, while its store lives. */
const registries = new Set<WeakRef<Registry>>();

/**
 * A registry for one store's refs: `onDropped(id)` runs once a registered ref was collected. The held
 * value is the id itself: a number, not an object per ref (registering costs about half as much).
 */
export function createRefRegistry(onDropped: (id: number) => void): FinalizationRegistry<number> {
  const registry: Registry = new fresh.ctor<number>(onDropped);
  registries.add(new WeakRef(registry));
  return registry;
}

/** Frees the objects of refs that are unreachable now (a full GC plus the pending finalizers). */
export function reclaimDroppedRefs(): void {
  if (fresh.gc === undefined) return;
  fresh.gc();
  for (const weak of registries) {
    const registry = weak.deref();
    if (registry === undefined) registries.delete(weak);
    else registry.cleanupSome?.();
  }
}
