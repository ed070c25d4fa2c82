/**
 * The runtime microbenchmark, modelled on Ray's `ray microbenchmark`: ops/s for tasks, actor calls,
 * put, get and wait, and GB/s for moving a 100 MB Float32Array between processes, next to Ray's
 * published figures. Run: `node --import tsx bench/core.ts` (prints JSON) or call {@link benchCore}.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EncodedValue } from '../core/codec.js';
import {
  type ActorHandle,
  get,
  init,
  put,
  remoteClass,
  remoteFunction,
  shutdown,
  wait,
} from '../core/index.js';
import { ObjectStore } from '../core/object-store.js';
import { RAY_MICROBENCHMARK, type RecordedFigure } from './recorded.js';

// Ray's published figures, recorded (source and machine in each): a ratio to them compares machines.
const RAY = RAY_MICROBENCHMARK;

/** A task that does nothing (exported: workers find it by URL and name). */
export const noop = remoteFunction(import.meta.url, 'noop', () => 0);

/** Returns the length of an array argument (to move an array to a worker). */
export const lengthOf = remoteFunction(import.meta.url, 'lengthOf', (a: Float32Array) => a.length);

/** Makes a Float32Array of `length` in a worker (to move an array back to the driver). */
export const makeFloats = remoteFunction(
  import.meta.url,
  'makeFloats',
  (length: number) => new Float32Array(length),
);

/** Sleeps `ms` and returns the worker's pid (to see that every task worker has started). */
export const pidAfter = remoteFunction(import.meta.url, 'pidAfter', async (ms: number) => {
  await new Promise((r) => setTimeout(r, ms));
  return process.pid;
});

class NoopActorImpl {
  noop(): number {
    return 0;
  }
}

/** An actor whose method does nothing. */
export const NoopActor = remoteClass(import.meta.url, 'NoopActor', NoopActorImpl);

class CallerImpl {
  /** Makes `count` calls spread over `targets` (all in flight at once) and waits for them. */
  async drive(targets: ActorHandle<NoopActorImpl>[], count: number): Promise<number> {
    const refs = [];
    for (let i = 0; i < count; i++)
      refs.push((targets[i % targets.length] as ActorHandle<NoopActorImpl>).call('noop'));
    await get(refs);
    return count;
  }
}

/** An actor that calls other actors (n:n calls with one caller per core). */
export const Caller = remoteClass(import.meta.url, 'Caller', CallerImpl, { maxConcurrency: 4 });

/** Submits `count` noop tasks from inside a task and waits for them (nested task throughput). */
export const submitNested = remoteFunction(import.meta.url, 'submitNested', async (count: number) => {
  const refs = [];
  for (let i = 0; i < count; i++) refs.push(noop.remote());
  await get(refs);
  return count;
});

/** Spill and read-back rate of the object store itself: `n` objects of `mb` MB through a store of half that. */
function spillRates(n: number, mb: number): { spill: number; restore: number } {
  const dir = mkdtempSync(join(tmpdir(), 'tsrl-bench-spill-'));
  const store = new ObjectStore((n * mb * 1e6) / 2, dir);
  try {
    // Built by hand: encodeValue would put it in the node's shared folder (this measures the store).
    const frame = new Uint8Array(mb * 1e6).fill(1);
    const value: EncodedValue = {
      data: new Uint8Array(1),
      frames: [frame],
      deps: [],
      refs: [],
      sizeBytes: frame.byteLength + 1,
    };
    const refs = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) refs.push(store.putReady(value));
    const spillMs = performance.now() - t0;
    const spilled = store.stats().spilledBytes;
    const t1 = performance.now();
    for (const r of refs) store.state(r.id);
    const restoreMs = performance.now() - t1;
    const restored = store.stats().restoredBytes;
    return { spill: spilled / 1e9 / (spillMs / 1000), restore: restored / 1e9 / (restoreMs / 1000) };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The 100 MB rows again with every object sent inline over the socket (`sharedMemoryDirectory: false`,
 * the path before shared objects), in a runtime of its own, for a ratio measured in the same run.
 */
async function inlineRates(
  transport: 'ipc' | 'tcp',
  durationMs: number,
): Promise<{ toWorker: number; toEightTasks: number }> {
  await init({ transport, sharedMemoryDirectory: false });
  try {
    await startedTaskWorkers();
    const length = 25_000_000;
    const gb = (length * 4) / 1e9;
    const ref = put(new Float32Array(length).fill(1));
    const toWorker = await rate(gb, durationMs, async () => void (await get(lengthOf.remote(ref))));
    const toEightTasks = await rate(
      8 * gb,
      durationMs,
      async () => void (await get(Array.from({ length: 8 }, () => lengthOf.remote(ref)))),
    );
    return { toWorker, toEightTasks };
  } finally {
    await shutdown();
  }
}

/** Waits until two different task workers answer (start-up must not run during a measurement). */
async function startedTaskWorkers(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const pids = await get([pidAfter.remote(100), pidAfter.remote(100)]);
    if (pids[0] !== pids[1]) break;
  }
}

/** Runs `body` repeatedly for about `durationMs` (at least once) and returns operations per second. */
async function rate(
  opsPerCall: number,
  durationMs: number,
  body: () => Promise<void> | void,
): Promise<number> {
  await body(); // warm-up
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < durationMs) {
    await body();
    calls++;
  }
  return (calls * opsPerCall * 1000) / (performance.now() - start);
}

/** Options of {@link benchCore}. */
export interface BenchCoreOptions {
  /** Time per measurement. @default 1500 */
  readonly durationMs?: number;
  /** Transport between node and workers. @default 'ipc' */
  readonly transport?: 'ipc' | 'tcp';
}

/**
 * Runs the microbenchmark in a fresh runtime (it calls `init` and `shutdown`; the runtime must not
 * be initialised). Returns the machine of this run and, per measurement, `{ value, unit,
 * rayRecorded, ratioToRecordedRay }` (Ray's figure with its source and machine: not measured here).
 */
export async function benchCore(options: BenchCoreOptions = {}): Promise<Record<string, unknown>> {
  const durationMs = options.durationMs ?? 1500;
  await init({ transport: options.transport ?? 'ipc' });
  const results: Record<
    string,
    { value: number; unit: string; rayRecorded: RecordedFigure | null; ratioToRecordedRay: number | null }
  > = {};
  const record = (name: string, value: number, unit: string, ray: RecordedFigure | null): void => {
    results[name] = {
      value: Number(value.toPrecision(4)),
      unit,
      rayRecorded: ray,
      ratioToRecordedRay: ray === null ? null : Number((value / ray.value).toFixed(2)),
    };
  };
  try {
    // Workers start in the background: start the actors first, then wait until both task workers
    // answer, so no start-up (seconds of CPU with tsx) runs during a measurement.
    const actor = NoopActor.remote();
    const actors = [actor, NoopActor.remote()];
    await get(actors.map((a) => a.call('noop')));
    await startedTaskWorkers();
    record(
      'tasksSync',
      await rate(1, durationMs, async () => void (await get(noop.remote()))),
      'ops/s',
      RAY.tasksSync,
    );
    const batch = 1000;
    record(
      'tasksAsync',
      await rate(batch, durationMs, async () => {
        const refs = [];
        for (let i = 0; i < batch; i++) refs.push(noop.remote());
        await get(refs);
      }),
      'ops/s',
      RAY.tasksAsync,
    );
    record(
      'actorCallsSync',
      await rate(1, durationMs, async () => void (await get(actor.call('noop')))),
      'ops/s',
      RAY.actorCallsSync,
    );
    record(
      'actorCallsAsync',
      await rate(batch, durationMs, async () => {
        const refs = [];
        for (let i = 0; i < batch; i++) refs.push(actor.call('noop'));
        await get(refs);
      }),
      'ops/s',
      RAY.actorCallsAsync,
    );
    record(
      'nToNActorCallsAsync',
      await rate(batch, durationMs, async () => {
        const refs = [];
        for (let i = 0; i < batch; i++) refs.push((actors[i % actors.length] ?? actor).call('noop'));
        await get(refs);
      }),
      'ops/s',
      RAY.nToNActorCallsAsync,
    );
    record(
      'putCalls',
      await rate(batch, durationMs, () => {
        for (let i = 0; i < batch; i++) put(i);
      }),
      'ops/s',
      RAY.putCalls,
    );
    const ready = put(1);
    record(
      'getCalls',
      await rate(batch, durationMs, async () => {
        for (let i = 0; i < batch; i++) await get(ready);
      }),
      'ops/s',
      RAY.getCalls,
    );
    const thousand = Array.from({ length: 1000 }, (_, i) => put(i));
    record(
      'waitOn1kRefs',
      await rate(1, durationMs, async () => void (await wait(thousand, { numReturns: 1000 }))),
      'ops/s',
      RAY.waitOn1kRefs,
    );
    const length = 25_000_000; // 100 MB of float32
    const big = new Float32Array(length).fill(1);
    const gb = (length * 4) / 1e9;
    // The floor for one copy into fresh memory on this machine (page faults dominate on fresh 100 MB).
    const bytes = new Uint8Array(big.buffer);
    record('freshCopyGigabytes', await rate(gb, durationMs, () => void bytes.slice()), 'GB/s', null);
    record('putGigabytes', await rate(gb, durationMs, () => void put(big)), 'GB/s', RAY.putGigabytes);
    const bigRef = put(big);
    record(
      'driverToWorkerGigabytes',
      await rate(gb, durationMs, async () => void (await get(lengthOf.remote(bigRef)))),
      'GB/s',
      null,
    );
    record(
      'workerToDriverGigabytes',
      await rate(gb, durationMs, async () => void (await get(makeFloats.remote(length)))),
      'GB/s',
      null,
    );
    // One 100 MB object read by 8 tasks at once: GB/s of object delivered (8 x 100 MB per round).
    record(
      'oneObjectToEightTasksGigabytes',
      await rate(
        8 * gb,
        durationMs,
        async () => void (await get(Array.from({ length: 8 }, () => lengthOf.remote(bigRef)))),
      ),
      'GB/s',
      null,
    );
    // n:n actor calls with one caller actor per core, each spreading its calls over n target actors.
    const n = cpus().length;
    const targets = Array.from({ length: n }, () => NoopActor.remote());
    const callers = Array.from({ length: n }, () => Caller.remote());
    await get([...targets.map((t) => t.call('noop')), ...callers.map((c) => c.call('drive', [], 0))]);
    const perCaller = 1000;
    record(
      'nToNActorCallsOneCallerPerCore',
      await rate(
        n * perCaller,
        durationMs,
        async () => void (await get(callers.map((c) => c.call('drive', targets, perCaller)))),
      ),
      'ops/s',
      RAY.nToNActorCallsAsync,
    );
    // Nested tasks: one task per core, each submitting 200 tasks from its worker and waiting for them.
    record(
      'nestedTasks',
      await rate(
        n * 200,
        durationMs,
        async () => void (await get(Array.from({ length: n }, () => submitNested.remote(200)))),
      ),
      'ops/s',
      null,
    );
    const spill = spillRates(8, 50);
    record('spillGigabytes', spill.spill, 'GB/s', null);
    record('restoreGigabytes', spill.restore, 'GB/s', null);
  } finally {
    await shutdown();
  }
  // The same 100 MB rows with objects inline over the socket (the path before shared objects).
  const inline = await inlineRates(options.transport ?? 'ipc', durationMs);
  record('driverToWorkerInlineGigabytes', inline.toWorker, 'GB/s', null);
  record('oneObjectToEightTasksInlineGigabytes', inline.toEightTasks, 'GB/s', null);
  const shared = results['oneObjectToEightTasksGigabytes']?.value ?? Number.NaN;
  record('oneObjectToEightTasksSharedOverInline', shared / inline.toEightTasks, 'ratio', null);
  return {
    transport: options.transport ?? 'ipc',
    machine: { cpus: cpus().length, loadAverage1m: loadavg()[0] },
    results,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const transport = process.argv.includes('--tcp') ? 'tcp' : 'ipc';
  process.stdout.write(`${JSON.stringify(await benchCore({ transport }), null, 2)}\n`);
}
