/**
 * A driver whose event loop is blocked (a long synchronous computation, as a learner's update on the
 * main thread) for longer than the head allows a silent driver, and longer than its own headTimeoutMs:
 * it does not count the silence as the head's, and when the head has ended its job meanwhile, its
 * actor starts again and the call in flight runs again (no error, no hang).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackageCache } from '../../../core/cluster/code-package.js';
import { Head } from '../../../core/cluster/head.js';
import { packJobMessage } from '../../../core/cluster/job-protocol.js';
import { JobRunner } from '../../../core/cluster/job-runner.js';
import { get, init, shutdown } from '../../../core/runtime.js';
import { Accumulator } from './fixtures/cluster-defs.js';

function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: no timer, no socket is served
  }
}

describe('a driver blocked past the head timeouts', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsrl-driver-stall-'));
  let head: Head;
  let runner: JobRunner;

  beforeAll(async () => {
    const cache = new PackageCache(join(root, 'cache'));
    let headRef: Head | undefined;
    runner = new JobRunner({
      resources: { CPU: 1 },
      fetchPackage: async (hash) => {
        const bytes = headRef?.packageBytes(hash);
        if (bytes === undefined) throw new Error('no package');
        return cache.store(hash, bytes);
      },
      send: (driverId, m) => headRef?.toDriver(driverId, 'local', [packJobMessage(m)]),
    });
    head = await Head.start({
      port: 0,
      key: undefined,
      heartbeatMs: 50,
      deadAfterMs: 400,
      driverDeadAfterMs: 2000,
      localNode: { nodeId: 'local', host: '127.0.0.1', pid: process.pid, resources: { CPU: 1 } },
      localJobs: runner,
    });
    headRef = head;
    await init({ address: `127.0.0.1:${head.address.port}`, workingDir: root, headTimeoutMs: 2500 });
  }, 60_000);

  afterAll(async () => {
    await shutdown();
    head?.close();
    await runner?.shutdown();
    rmSync(root, { recursive: true, force: true });
  });

  it('restarts its actor and reruns the call when the head ended its job', async () => {
    // Spare restarts and retries: a loaded machine may stall this process once more.
    const acc = Accumulator.options({ maxRestarts: 3, maxTaskRetries: 3 }).remote();
    expect(await get(acc.methods.add.remote(5))).toBe(5);
    blockFor(3500);
    // The head's timer runs before it reads the driver's messages: the job is ended, the driver told.
    const after = acc.methods.add.remote(1);
    // The instance is new (its constructor ran again): the sum starts from 0.
    expect(await get(after)).toBe(1);
  }, 60_000);
});
