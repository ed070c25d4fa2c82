/**
 * Large objects go through the node's shared folder (core/shared-objects.ts): one 10 MB object read by
 * 8 tasks is written once and never crosses the node's socket; its file goes when the object is freed
 * and the folder at shutdown; readers get their own copies.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { get, init, type ObjectRef, put, runtimeStats, shutdown } from '../../core/index.js';
import { reclaimDroppedRefs } from '../../core/ref-registry.js';
import { arraySum, BigMaker, Caller, Keeper, makeArray, overwrite, putBig } from './fixtures/defs.js';
import { eventually } from './runtime-suite.js';

const N = 2_500_000; // 10 MB of Float32
const TASKS = 8;

describe('shared objects (process mode)', () => {
  let parent = '';
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'tsrl-shared-test-'));
  });
  afterEach(async () => {
    await shutdown();
    rmSync(parent, { recursive: true, force: true });
  });

  /** The files in the node's shared folder (there is exactly one folder while the runtime runs). */
  const files = (): string[] => {
    const dirs = readdirSync(parent);
    expect(dirs.length).toBe(1);
    return readdirSync(join(parent, dirs[0] as string));
  };

  it('one 10 MB object to 8 tasks is written once and not sent over the socket', async () => {
    await init({ numCpus: 2, sharedMemoryDirectory: parent });
    const ref = put(new Float32Array(N).fill(1));
    expect(files().length).toBe(1);
    const sums = await get(Array.from({ length: TASKS }, () => arraySum.remote(ref)));
    expect(sums).toEqual(Array(TASKS).fill(N));
    const stats = runtimeStats();
    expect(stats.objectStore.numShared).toBe(1);
    // Inline, the 8 tasks would have carried 80 MB of frames.
    expect(stats.sentFrameBytes ?? Number.NaN).toBeLessThan(1_000_000);
    await shutdown();
    expect(readdirSync(parent)).toEqual([]);
  }, 120_000);

  it('with sharedMemoryDirectory: false the object is sent inline to each task (the old path)', async () => {
    await init({ numCpus: 2, sharedMemoryDirectory: false });
    const ref = put(new Float32Array(N).fill(1));
    const sums = await get(Array.from({ length: TASKS }, () => arraySum.remote(ref)));
    expect(sums).toEqual(Array(TASKS).fill(N));
    expect(runtimeStats().sentFrameBytes ?? 0).toBeGreaterThanOrEqual(TASKS * N * 4);
    expect(readdirSync(parent)).toEqual([]);
  }, 120_000);

  it('large task results and arguments go through files, freed with their objects', async () => {
    await init({ numCpus: 2, sharedMemoryDirectory: parent });
    // A worker's result: written by the worker, owned by the node's store.
    let made: ReturnType<typeof makeArray.remote> | undefined = makeArray.remote(N, 3);
    const array = await get(made);
    expect(array.length).toBe(N);
    expect(array[0]).toBe(3);
    expect(array[N - 1]).toBe(3);
    expect(runtimeStats().objectStore.numShared).toBe(1);
    expect(files().length).toBe(1);
    // A large argument passed by value: its file lives until the task is done.
    expect(await get(arraySum.remote(new Float32Array(N).fill(2)))).toBe(2 * N);
    expect(files().length).toBe(1);
    made = undefined;
    reclaimDroppedRefs();
    expect(made).toBeUndefined();
    expect(files()).toEqual([]);
    expect(runtimeStats().objectStore.numShared).toBe(0);
  }, 120_000);

  it('a reader that writes to its array does not change the shared object', async () => {
    await init({ numCpus: 2, sharedMemoryDirectory: parent });
    const ref = put(new Float32Array(N).fill(5));
    expect(await get(overwrite.remote(ref))).toBe(5);
    const mine = await get(ref);
    mine.fill(7);
    expect(await get(arraySum.remote(ref))).toBe(5 * N);
    expect((await get(ref))[0]).toBe(5);
  }, 120_000);

  it('spills shared objects to disk when the store is full and reads them back for tasks and get', async () => {
    const spill = mkdtempSync(join(tmpdir(), 'tsrl-shared-spill-'));
    try {
      await init({
        numCpus: 2,
        sharedMemoryDirectory: parent,
        objectStoreMemoryBytes: 25_000_000,
        spillDirectory: spill,
      });
      const refs = [1, 2, 3, 4, 5].map((v) => put(new Float32Array(N).fill(v)));
      const stats = runtimeStats().objectStore;
      expect(stats.numSpilled).toBeGreaterThanOrEqual(3);
      // A spilled object's file left the shared folder.
      expect(files().length).toBe(5 - stats.numSpilled);
      const sums = await get(refs.map((r) => arraySum.remote(r)));
      expect(sums).toEqual([1, 2, 3, 4, 5].map((v) => v * N));
      for (let i = 0; i < refs.length; i++)
        expect((await get(refs[i] as (typeof refs)[number]))[N - 1]).toBe(i + 1);
      expect(runtimeStats().objectStore.restoredBytes).toBeGreaterThan(0);
    } finally {
      await shutdown();
      rmSync(spill, { recursive: true, force: true });
    }
  }, 120_000);

  it("a worker's put returned as a ref: the driver gets it; it is freed once the driver and a borrowing actor drop it", async () => {
    await init({ numCpus: 2, sharedMemoryDirectory: parent });
    let box: ObjectRef<Float32Array>[] | undefined = await get(putBig.remote(N, 4));
    expect((await get(box[0] as ObjectRef<Float32Array>))[N - 1]).toBe(4);
    expect(files().length).toBe(1); // written by the worker, not copied by the node
    const keeper = Keeper.remote();
    // Inside a stored value the ref reaches the actor as a ref: the actor borrows it.
    expect(await get(keeper.call('keep', put({ ref: box[0] as ObjectRef })))).toBe(true);
    box = undefined;
    reclaimDroppedRefs();
    expect(box).toBeUndefined();
    // Only the borrowing actor holds it now: it stays, and the actor reads it through the node.
    expect(files().length).toBe(1);
    expect(await get(keeper.call('sum'))).toBe(4 * N);
    expect(await get(keeper.call('drop'))).toBe(true);
    // The actor's release reaches the node: the object is freed and its file goes.
    expect(await eventually(() => files().length === 0, 10_000)).toBe(true);
  }, 120_000);

  it('large arguments and results of actor calls between workers go through files, freed when done', async () => {
    await init({ numCpus: 2, sharedMemoryDirectory: parent });
    const caller = Caller.remote();
    const maker = BigMaker.remote();
    // The caller's arguments file goes once the call returned.
    expect(await get(caller.call('sendBig', maker, N))).toBe(3 * N);
    expect(await eventually(() => files().length === 0)).toBe(true);
    // A large result is relayed through the node, which keeps its file while the caller holds the ref.
    expect(await get(caller.call('sumBig', maker, N))).toBe(2 * N);
    expect(files().length).toBe(1);
    expect(await get(caller.call('dropKept'))).toBe(true);
    expect(await eventually(() => files().length === 0, 20_000)).toBe(true);
  }, 60_000);

  it('rejects a bad sharedMemoryDirectory', async () => {
    await expect(init({ sharedMemoryDirectory: '' })).rejects.toThrow(/init.sharedMemoryDirectory/);
  });
});
