/**
 * The first batch of a function that never ran is spread over the task workers, also while some are
 * still starting (it used to queue behind the first ready worker: 7 of 8 tasks on one worker).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { get, init, shutdown } from '../../core/index.js';
import { workerPid } from './fixtures/defs.js';

describe('first batch of a new function', () => {
  afterAll(async () => {
    await shutdown();
  });

  it('spreads 8 half-second tasks over 4 starting workers', async () => {
    await init({ numCpus: 4 });
    const pids = await get(Array.from({ length: 8 }, () => workerPid.remote(500)));
    const perWorker = new Map<number, number>();
    for (const pid of pids) perWorker.set(pid, (perWorker.get(pid) ?? 0) + 1);
    // A worker that is ready long before the others may run several (one after another, once the
    // function's run time is known), but the batch is no longer queued up on it at once.
    expect(perWorker.size).toBeGreaterThanOrEqual(2);
    expect(Math.max(...perWorker.values())).toBeLessThanOrEqual(6);
  }, 120_000);
});
