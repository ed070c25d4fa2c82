/**
 * Placement strategies on one node's task workers: `spread` shares tasks out evenly over busy workers,
 * `pack` queues them on a busy worker before taking another (the default takes the first busy one).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { get, init, shutdown } from '../../core/index.js';
import { pidSleep, workerPid } from './fixtures/defs.js';

/** Waits until both task workers answer (each holds a CPU of its own). */
async function bothWorkersReady(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const pids = await get([workerPid.remote(100), workerPid.remote(100)]);
    if (pids[0] !== pids[1]) return;
  }
  throw new Error('the two task workers never answered together');
}

/** How many of `pids` each distinct pid has, largest first. */
const counts = (pids: readonly number[]): number[] => {
  const by = new Map<number, number>();
  for (const p of pids) by.set(p, (by.get(p) ?? 0) + 1);
  return [...by.values()].sort((a, b) => b - a);
};

describe('placement strategies (process mode)', () => {
  afterEach(async () => {
    await shutdown();
  });

  it("'spread' shares 6 tasks out evenly over 2 workers; the default queues the extra ones on the first", async () => {
    await init({ numCpus: 2 });
    await bothWorkersReady();
    const spread = pidSleep.options({ schedulingStrategy: 'spread' });
    expect(counts(await get(Array.from({ length: 6 }, () => spread.remote(30))))).toEqual([3, 3]);
    await shutdown();
    await init({ numCpus: 2 });
    await bothWorkersReady();
    expect(counts(await get(Array.from({ length: 6 }, () => pidSleep.remote(30))))).toEqual([5, 1]);
  }, 120_000);

  it("'pack' queues tasks on the busy worker before taking an idle one", async () => {
    await init({ numCpus: 2 });
    await bothWorkersReady();
    const pack = pidSleep.options({ schedulingStrategy: 'pack' });
    expect(counts(await get(Array.from({ length: 6 }, () => pack.remote(30))))).toEqual([6]);
  }, 120_000);

  it('rejects an unknown strategy, naming the option', () => {
    expect(() => pidSleep.options({ schedulingStrategy: 'random' as 'pack' }).remote(1)).toThrow(
      /schedulingStrategy must be one of 'default', 'pack', 'spread', got random/,
    );
  });
});
