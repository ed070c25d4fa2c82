/**
 * The runtime behaviours, run once per transport by runtime-local/-ipc/-tcp.test.ts with one shared
 * runtime per file (worker start-up is costly on 2 cores).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActorDiedError,
  ActorHandle,
  cancel,
  GetTimeoutError,
  get,
  getActor,
  type InitOptions,
  init,
  kill,
  ObjectRef,
  ObjectStoreFullError,
  put,
  RemoteError,
  runtimeStats,
  shutdown,
  TaskCancelledError,
  TaskTimeoutError,
  WorkerCrashedError,
  wait,
} from '../../core/index.js';
import {
  add,
  appendOrder,
  arraySum,
  Broken,
  Caller,
  Counter,
  type CounterImpl,
  delayed,
  dieOnce,
  fib,
  firstReady,
  flaky,
  Gate,
  gpuEnv,
  handleId,
  makeArray,
  makeRefs,
  misnamed,
  overwrite,
  span,
  spawnCounter,
  spin,
  square,
  sumAll,
  sumContainers,
  throwsNamed,
  useActor,
  viaActor,
  workerPid,
} from './fixtures/defs.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The store limit every suite runs with (16 MiB). */
export const STORE_LIMIT_BYTES = 16 * 1024 * 1024;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `predicate` every 20 ms for at most `limitMs`; returns its last answer. */
export async function eventually(predicate: () => boolean, limitMs = 5000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!predicate() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return predicate();
}

/**
 * Runs the suite. With `transportOnly`, behaviours decided inside the driver (scheduling, restarts,
 * store accounting, option checks) are skipped: they do not depend on the transport and run in the
 * ipc suite already.
 */
export function runtimeSuite(label: string, options: InitOptions, transportOnly = false): void {
  const processMode = options.localMode !== true;
  const itFull = transportOnly ? it.skip : it;
  let dir = '';

  describe(`runtime (${label})`, () => {
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tsrl-core-test-'));
      await init({ ...options, numCpus: 2, numGpus: 1, objectStoreMemoryBytes: STORE_LIMIT_BYTES });
    });
    afterAll(async () => {
      const pids = runtimeStats().workerPids;
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
      for (const pid of pids) expect(alive(pid), `worker ${pid} left running`).toBe(false);
    });

    it('runs tasks and returns refs at once', async () => {
      const refs = [1, 2, 3].map((x) => square.remote(x));
      expect(await get(refs)).toEqual([1, 4, 9]);
      expect(await get(square.remote(7))).toBe(49);
    });

    it('resolves refs passed as arguments, also nested in arrays and objects', async () => {
      expect(await get(add.remote(square.remote(2), square.remote(3)))).toBe(13);
      const y = put(100);
      // Nested refs are resolved at run time; the static type only maps the top level, hence the casts.
      const nested = {
        xs: [1, square.remote(3) as unknown as number],
        nested: { y: y as unknown as number },
      };
      expect(await get(sumAll.remote(nested))).toBe(110);
    });

    it('puts and gets values, keeping typed arrays', async () => {
      const value = { a: [1, 'two', null], s: new Set([3]), f: new Float32Array(5000).fill(1.5) };
      const got = await get(put(value));
      expect(got.a).toEqual([1, 'two', null]);
      expect(got.s.has(3)).toBe(true);
      expect(got.f).toBeInstanceOf(Float32Array);
      expect(got.f[4999]).toBe(1.5);
      const big = await get(makeArray.remote(100_000, 2));
      expect(big).toBeInstanceOf(Float32Array);
      expect(big.length).toBe(100_000);
      expect(await get(arraySum.remote(makeArray.remote(10_000, 0.5)))).toBe(5000);
    });

    it('snapshots arrays at put time', async () => {
      const a = new Float32Array(10_000).fill(1);
      const ref = put(a);
      a.fill(2);
      expect(await get(arraySum.remote(ref))).toBe(10_000);
    });

    it('rethrows remote exceptions with name, message and remote stack', async () => {
      const error = await get(throwsNamed.remote('bad input')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      const remote = error as RemoteError;
      expect(remote.name).toBe('ValidationError');
      expect(remote.message).toBe('bad input');
      expect(remote.remoteStack).toContain('defs.ts');
      expect(remote.stack).toContain('rethrown by get()');
    });

    it('retries exceptions named in retryExceptions, up to maxRetries', async () => {
      const file = join(dir, 'flaky-ok');
      expect(await get(flaky.remote(file, 2))).toBe(3);
      const file2 = join(dir, 'flaky-fail');
      const error = await get(flaky.options({ maxRetries: 1 }).remote(file2, 2)).catch((e: unknown) => e);
      expect((error as Error).name).toBe('RangeError');
      expect((error as Error).message).toBe('failure 2');
    });

    it('times out get with GetTimeoutError and wait with a partial answer', async () => {
      const slow = delayed.remote(1, 600);
      await expect(get(slow, { timeoutMs: 20 })).rejects.toBeInstanceOf(GetTimeoutError);
      const fast = put(3);
      const r = await wait([slow, fast], { numReturns: 2, timeoutMs: 10 });
      expect(r.ready).toEqual([fast]);
      expect(r.notReady).toEqual([slow]);
      expect(await get(slow)).toBe(1);
    });

    it('wait returns ready and not-ready refs in input order', async () => {
      const refs = [delayed.remote(1, 600), put(2), put(3)];
      const { ready, notReady } = await wait(refs, { numReturns: 2 });
      expect(ready).toEqual([refs[1], refs[2]]);
      expect(notReady).toEqual([refs[0]]);
      await expect(wait(refs, { numReturns: 4 })).rejects.toThrow(/numReturns/);
    });

    it('runs actor calls in order and keeps state', async () => {
      const c = Counter.remote(10);
      const refs = [c.call('inc', 1), c.methods.inc.remote(2), c.call('incLater', 3, 30), c.call('inc', 4)];
      expect(await get(refs)).toEqual([11, 13, 16, 20]);
      expect(await get(c.call('read'))).toBe(20);
      const error = await get(c.call('fail', 'nope')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect((error as Error).name).toBe('TypeError');
      expect(await get(c.call('inc', 1))).toBe(21);
      kill(c);
    });

    it('counts failed objects as ready in wait, and passes actor handles as arguments', async () => {
      const failing = throwsNamed.remote('x');
      const { ready } = await wait([failing], { numReturns: 1 });
      expect(ready).toEqual([failing]);
      const handle = new ActorHandle<CounterImpl>(123_456, { moduleUrl: 'file:///x.ts', exportName: 'X' });
      expect(await get(handleId.remote(handle))).toBe(123_456);
    });

    it('runs nested tasks that block in get without deadlocking the pool (fib by tasks)', async () => {
      expect(await get(fib.remote(5))).toBe(5);
      expect(await get([fib.remote(3), fib.remote(4)])).toEqual([2, 3]);
    }, 120_000);

    it('returns refs made inside a task, and their objects outlive the task', async () => {
      const [sq, boxed] = (await get(makeRefs.remote(6))) as [ObjectRef<number>, ObjectRef<object>];
      expect(sq).toBeInstanceOf(ObjectRef);
      expect(await get([sq, boxed])).toEqual([36, { made: 'inside' }]);
    });

    it('lets tasks call actors by handle and by name, create actors and wait', async () => {
      const named = Counter.options({ name: 'nested-counter' }).remote(0);
      expect(await get(useActor.remote(named, 'nested-counter'))).toEqual([1, 11]);
      const made = await get(spawnCounter.remote(40));
      expect(await get(made.call('inc', 2))).toBe(43);
      const slow = delayed.remote(1, 2000);
      // Refs in arguments are resolved; refs inside a stored value stay refs.
      expect(await get(firstReady.remote(put({ refs: [slow, put(2)] })))).toBe(2);
      kill(named);
      kill(made);
    }, 120_000);

    it('cancels queued and running tasks and actor calls, and fails tasks past timeoutMs', async () => {
      const whole = span.options({ numCpus: 2 });
      const running = whole.remote(400);
      const queued = whole.remote(10);
      cancel(queued);
      cancel(running);
      await expect(get(queued)).rejects.toBeInstanceOf(TaskCancelledError);
      await expect(get(running)).rejects.toBeInstanceOf(TaskCancelledError);
      const slow = delayed.options({ timeoutMs: 150 }).remote(1, 30_000);
      const error = await get(slow).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskTimeoutError);
      expect((error as Error).message).toMatch(/timeoutMs=150/);
      expect(await get(square.remote(4))).toBe(16);
      const c = Counter.remote(0);
      const first = c.call('incLater', 1, 300);
      const second = c.call('inc', 10);
      cancel(second);
      expect(() => cancel(first, { force: true })).toThrow(/force is for tasks/);
      await expect(get(second)).rejects.toBeInstanceOf(TaskCancelledError);
      expect(await get(first)).toBe(1);
      expect(await get(c.call('read'))).toBe(1);
      kill(c);
    }, 60_000);

    it('calls actors from inside actors: in order, results that escape, cancel, dead actors, handles passed on at once', async () => {
      const caller = Caller.remote();
      const other = Caller.remote();
      const target = Counter.remote(0);
      const ones = Array.from({ length: 20 }, (_, i) => i + 1);
      expect(await get(caller.call('incMany', target, 20))).toEqual(ones);
      // Results of the caller's calls leave it: in its result, inside a put, as a task's argument.
      const [direct, boxed, squared] = await get(caller.call('escape', target));
      expect(await get(direct)).toBe(21);
      expect(await get((await get(boxed)).inner)).toBe(31);
      expect(squared).toBe(31 * 31);
      expect(await get(caller.call('cancelSecond', Counter.remote(0)))).toEqual([1, 'TaskCancelledError', 1]);
      expect(await get(caller.call('callBroken'))).toBe('ActorDiedError');
      // A counter made inside `caller` and called by `other` before its creation may have reached the node.
      expect(await get(caller.call('handOff', other))).toEqual([6, 7]);
      kill(caller);
      kill(other);
      kill(target);
    }, 120_000);

    it('tasks waiting for an actor that waits for tasks do not deadlock the pool', async () => {
      const caller = Caller.options({ maxConcurrency: 4 }).remote();
      const whole = viaActor.options({ numCpus: 2 });
      expect(await get([1, 2, 3].map((x) => whole.remote(caller, x)))).toEqual([1, 4, 9]);
      kill(caller);
    }, 120_000);

    it('refuses what is not a ref in get and wait, naming what it got', async () => {
      await expect(get(5 as never)).rejects.toThrow(/get must be an ObjectRef .* got number 5/);
      await expect(get([put(1), { id: 1 }] as never)).rejects.toThrow(/get: item 1 must be an ObjectRef/);
      await expect(wait([7] as never)).rejects.toThrow(/wait: item 0 must be an ObjectRef/);
    });

    it('resolves refs inside Maps, Sets and class instances, and keeps refs inside stored values', async () => {
      class Box {
        constructor(readonly x: unknown) {}
      }
      const m = new Map<string, unknown>([
        ['a', put(1)],
        ['b', 2],
      ]);
      const total = sumContainers.remote(
        m as never,
        new Set([square.remote(2)]) as never,
        new Box(put(10)) as never,
      );
      expect(await get(total)).toBe(17);
      const inner = put('inside');
      // A Map arrives as a plain object (see core/README.md, Values).
      const outer = (await get(put(new Map([['r', inner]])))) as unknown as Record<string, unknown>;
      const got = outer['r'];
      expect(got).toBeInstanceOf(ObjectRef);
      expect(await get(got as ObjectRef<string>)).toBe('inside');
    });

    it('gives every reader of a stored array its own copy', async () => {
      const ref = put(new Float32Array(10_000).fill(3));
      const first = await get(ref);
      first.fill(7);
      expect((await get(ref))[0]).toBe(3);
      expect(await get(overwrite.remote(ref))).toBe(3);
      expect(await get(overwrite.remote(ref))).toBe(3);
      expect((await get(ref))[9_999]).toBe(3);
    });

    itFull('runs up to maxConcurrency calls of an async actor at once', async () => {
      const g = Gate.remote();
      // Long enough that all six calls have arrived before the first ends, even on a loaded machine.
      const results = await get([1, 2, 3, 4, 5, 6].map(() => g.call('enter', 300)));
      expect(Math.max(...results)).toBe(4);
      const serial = Gate.options({ maxConcurrency: 1 }).remote();
      expect(Math.max(...(await get([1, 2, 3].map(() => serial.call('enter', 10)))))).toBe(1);
      kill(g);
      kill(serial);
    });

    itFull('finds named actors and rejects taken names', async () => {
      const c = Counter.options({ name: 'the-counter' }).remote(0);
      expect(await get(getActor<CounterImpl>('the-counter').call('inc', 5))).toBe(5);
      expect(() => Counter.options({ name: 'the-counter' }).remote(0)).toThrow(/the-counter/);
      expect(() => getActor('nobody')).toThrow(/nobody/);
      kill(c);
      expect(() => getActor('the-counter')).toThrow(/the-counter/);
    });

    itFull('fails calls on killed actors with ActorDiedError and restarts with maxRestarts', async () => {
      const c = Counter.options({ maxRestarts: 1 }).remote(100);
      expect(await get(c.call('inc', 1))).toBe(101);
      kill(c, { noRestart: false });
      expect(await get(c.call('read'))).toBe(100);
      kill(c, { noRestart: false });
      await expect(get(c.call('read'))).rejects.toBeInstanceOf(ActorDiedError);
    });

    itFull('fails calls with ActorDiedError when the constructor throws', async () => {
      const b = Broken.remote();
      const error = await get(b.call('ping')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ActorDiedError);
      expect((error as Error).message).toContain('constructor refused');
    });

    itFull('enforces the object store limit with ObjectStoreFullError', async () => {
      expect(() => put(new Float32Array(STORE_LIMIT_BYTES / 4 + 1))).toThrow(ObjectStoreFullError);
      await expect(get(makeArray.remote(STORE_LIMIT_BYTES / 4 + 1, 0))).rejects.toBeInstanceOf(
        ObjectStoreFullError,
      );
      expect(await get(square.remote(3))).toBe(9);
    });

    itFull('frees objects once no ref remains', async () => {
      const before = runtimeStats().objectStore.usedBytes;
      let ref: unknown = put(new Float64Array(1_000_000));
      expect(runtimeStats().objectStore.usedBytes).toBeGreaterThanOrEqual(before + 8_000_000);
      ref = undefined;
      expect(ref).toBeUndefined();
      const freed = await eventually(() => {
        gc();
        return runtimeStats().objectStore.usedBytes < before + 8_000_000;
      });
      expect(freed).toBe(true);
    });

    itFull('rejects tasks the node can never run', async () => {
      await expect(get(gpuEnv.options({ numGpus: 2 }).remote())).rejects.toThrow(/asks for 2 GPU/);
    });

    it('fails a definition not exported under its name, saying how to fix it', async () => {
      await expect(get(misnamed.remote())).rejects.toThrow(/no export 'notTheExportName'/);
    });

    itFull('rejects bad options naming the option', () => {
      expect(() => square.options({ numCpus: -1 }).remote(1)).toThrow(/numCpus/);
      expect(() => square.options({ maxRetires: 1 } as never).remote(1)).toThrow(/did you mean 'maxRetries'/);
    });

    if (processMode) {
      itFull('hands GPU ids to the worker', async () => {
        expect(await get(gpuEnv.remote())).toBe('0');
      });

      it('retries tasks whose worker was killed, and fails them past maxRetries', async () => {
        const marker = join(dir, 'die-once');
        expect(await get(dieOnce.options({ maxRetries: 1 }).remote(marker))).toBe('survived');
        const marker2 = join(dir, 'die-twice');
        await expect(get(dieOnce.remote(marker2))).rejects.toBeInstanceOf(WorkerCrashedError);
        expect(await get(square.remote(5))).toBe(25);
      });

      itFull('restarts an actor whose worker was killed from outside', async () => {
        const c = Counter.options({ maxRestarts: 1, maxTaskRetries: 1 }).remote(0);
        expect(await get(c.call('inc', 1))).toBe(1);
        const pid = await get(c.call('pid'));
        process.kill(pid, 'SIGKILL');
        expect(await eventually(() => !alive(pid))).toBe(true);
        expect(await get(c.call('inc', 2))).toBe(2);
        expect(await get(c.call('pid'))).not.toBe(pid);
        kill(c);
      });

      it("calls between workers do not pass the driver's thread", async () => {
        const targets = [Counter.remote(0), Counter.remote(0)];
        const caller = Caller.remote();
        expect(await get(caller.call('driveThenMark', targets, 10, join(dir, 'warm')))).toBe(10);
        const file = join(dir, 'direct-done');
        const ref = caller.call('driveThenMark', targets, 300, file);
        await new Promise((r) => setTimeout(r, 100)); // the call leaves the driver
        // The driver's event loop is blocked here: if the 300 calls passed through it, the file could
        // not appear before the loop gives up.
        const end = Date.now() + 60_000;
        while (!existsSync(file) && Date.now() < end) {
          // blocked
        }
        expect(existsSync(file)).toBe(true);
        expect(await get(ref)).toBe(300);
        for (const a of [...targets, caller]) kill(a);
      }, 120_000);

      itFull(
        'retries or fails the calls of a worker in flight at an actor that died, as the actor allows',
        async () => {
          const caller = Caller.remote();
          const noRetry = Counter.options({ maxRestarts: 1 }).remote(0);
          expect(await get(caller.call('callAcrossDeath', noRetry, 60_000))).toEqual(['ActorDiedError', '2']);
          const retry = Counter.options({ maxRestarts: 1, maxTaskRetries: 1 }).remote(0);
          expect(await get(caller.call('callAcrossDeath', retry, 1000))).toEqual(['5', '7']);
          const once = Counter.remote(0);
          expect(await get(caller.call('callAcrossDeath', once, 60_000))).toEqual([
            'ActorDiedError',
            'ActorDiedError',
          ]);
          for (const a of [caller, noRetry, retry]) kill(a);
        },
        120_000,
      );

      itFull('never starves a large task behind a stream of small ones', async () => {
        const first = [1, 2, 3, 4].map(() => span.remote(150));
        const big = span.options({ numCpus: 2 }).remote(50);
        const later = [1, 2, 3, 4].map(() => span.remote(10));
        const [bigStart, bigEnd] = await get(big);
        for (const [, end] of await get(first)) expect(bigStart).toBeGreaterThanOrEqual(end);
        for (const [start] of await get(later)) expect(start).toBeGreaterThanOrEqual(bigEnd);
      });

      it('runs tasks queued on one worker in arrival order, an asynchronous one first', async () => {
        // numCpus 2 takes the whole node: the second task queues behind the first on the same worker.
        const whole = appendOrder.options({ numCpus: 2 });
        // Run it once first: a function that never ran is not pipelined while a worker is still
        // starting (its first batch is spread), and then the second task may start on another worker.
        await get(whole.remote(1000, 0));
        const [first, second] = await get([whole.remote(1001, 40), whole.remote(1002, 0)]);
        expect(first.slice(-1)).toEqual([1001]);
        expect(second.slice(-2)).toEqual([1001, 1002]);
      });

      it('force-cancels a task busy in synchronous code, and later tasks still run', async () => {
        const busy = spin.remote(120_000);
        await new Promise((r) => setTimeout(r, 300));
        cancel(busy, { force: true });
        await expect(get(busy, { timeoutMs: 10_000 })).rejects.toBeInstanceOf(TaskCancelledError);
        const timed = spin.options({ timeoutMs: 300 }).remote(120_000);
        await expect(get(timed, { timeoutMs: 20_000 })).rejects.toBeInstanceOf(TaskTimeoutError);
        expect(await get([square.remote(2), square.remote(3)])).toEqual([4, 9]);
      }, 60_000);

      it('takes back the tasks queued behind a hung task, so they run on a free worker', async () => {
        await get([1, 2, 3, 4].map(() => delayed.remote(0, 0))); // measured: short, so it pipelines
        const hung = delayed.remote(-1, 120_000);
        const quick = Array.from({ length: 20 }, (_, i) => delayed.remote(i, 0));
        // Without taking them back they would wait the 120 s of the hung task.
        expect(await get(quick, { timeoutMs: 60_000 })).toEqual(quick.map((_, i) => i));
        cancel(hung, { force: true });
        await expect(get(hung)).rejects.toBeInstanceOf(TaskCancelledError);
      }, 120_000);

      it('runs tasks in worker processes, not in the driver', async () => {
        const pids = await get([workerPid.remote(50), workerPid.remote(50)]);
        for (const pid of pids) expect(pid).not.toBe(process.pid);
      });
    }
  });
}
