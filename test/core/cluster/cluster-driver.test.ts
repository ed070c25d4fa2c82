/**
 * A driver joined to a loopback cluster in one process: a head whose own node runs the work (a
 * JobRunner with worker processes), and `init({ address })`. Tasks, put() arguments, user errors and
 * actor calls in order come back to the driver; work asking for resources no node has waits and is
 * reported; init refuses single-machine options next to an address.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackageCache } from '../../../core/cluster/code-package.js';
import { Head } from '../../../core/cluster/head.js';
import { packJobMessage } from '../../../core/cluster/job-protocol.js';
import { JobRunner } from '../../../core/cluster/job-runner.js';
import { RemoteError } from '../../../core/errors.js';
import { get, init, put, runtimeStats, shutdown, wait } from '../../../core/runtime.js';
import { formatStatus } from '../../../rl/cli/cluster/show-status.js';
import { Accumulator, boxed, echo, fails, total, triple } from './fixtures/cluster-defs.js';

describe('a driver on a loopback cluster', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsrl-cluster-driver-'));
  let head: Head;
  let runner: JobRunner;

  beforeAll(async () => {
    const cache = new PackageCache(join(root, 'cache'));
    let headRef: Head | undefined;
    runner = new JobRunner({
      resources: { CPU: 2 },
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
      heartbeatMs: 100,
      deadAfterMs: 1000,
      localNode: { nodeId: 'local', host: '127.0.0.1', pid: process.pid, resources: { CPU: 2 } },
      localJobs: runner,
    });
    headRef = head;
    await init({ address: `127.0.0.1:${head.address.port}`, workingDir: root });
  }, 60_000);

  afterAll(async () => {
    await shutdown();
    head?.close();
    await runner?.shutdown();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs tasks on the node and returns their results to the driver', async () => {
    const results = await get([1, 2, 3, 4].map((x) => triple.remote(x)));
    expect(results.map((r) => r.value)).toEqual([3, 6, 9, 12]);
    expect(results.every((r) => r.pid !== process.pid)).toBe(true);
    expect(runtimeStats().mode).toBe('cluster');
  }, 60_000);

  it('sends put() values and large typed arrays with the task', async () => {
    const xs = put(new Float32Array(10_000).fill(0.5));
    expect(await get(total.remote(xs))).toBe(5000);
  }, 60_000);

  it('returns typed arrays intact, whatever their offset inside the relayed message', async () => {
    const value = { name: 'w', big: new Float32Array(2000).fill(1.5), small: new Float64Array([1, 2, 3]) };
    for (const arg of [value, put(value)]) {
      const back = await get(echo.remote(arg));
      expect(back.big).toBeInstanceOf(Float32Array);
      expect(back.big).toEqual(value.big);
      expect(back.small).toEqual(value.small);
    }
  }, 60_000);

  it('returns refs to objects a task put on its node; the driver owns them', async () => {
    const xs = new Float32Array(5000).map((_, i) => i);
    const out = await get(boxed.remote(xs));
    expect(out.n).toBe(5000);
    expect(await get(out.rows)).toEqual(xs);
    // Passed back to a task, the ref resolves on the driver and travels as its value.
    expect(await get(total.remote(out.rows))).toBe((4999 * 5000) / 2);
  }, 60_000);

  it("rethrows a task's exception with its name", async () => {
    const error = await get(fails.remote()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).name).toBe('RangeError');
    expect((error as Error).message).toBe('bad input');
  }, 60_000);

  it('runs actor calls in order on one instance', async () => {
    const acc = Accumulator.remote();
    const sums = await get([1, 2, 3, 4].map((x) => acc.methods.add.remote(x)));
    expect(sums).toEqual([1, 3, 6, 10]);
  }, 60_000);

  it("reports the node's resources in use and its actors in the head's status", async () => {
    const acc = Accumulator.options({ numCpus: 1 }).remote();
    await get(acc.methods.add.remote(1));
    const local = async () => head.status().nodes.find((n) => n.nodeId === 'local');
    // The head reads its own node's load every heartbeat (100 ms).
    for (let i = 0; i < 100 && (await local())?.load.resourcesUsed['CPU'] !== 1; i++)
      await new Promise((r) => setTimeout(r, 50));
    const node = await local();
    expect(node?.load.resourcesUsed).toEqual({ CPU: 1 });
    expect(node?.load.numActors).toBeGreaterThanOrEqual(1);
    expect(node?.resources).toEqual({ CPU: 2 });
    // The head lists this driver (its job) too.
    expect(head.status().drivers.map((d) => d.driverId)).toEqual([expect.stringMatching(/^driver-/)]);
    expect(formatStatus(head.status())).toMatch(/drivers connected: 1 \(driver-\S+\)/);
    expect(formatStatus(head.status())).toMatch(/local\s+127\.0\.0\.1\s+alive\s+CPU 1\/2\s+\d+/);
  }, 60_000);

  it('keeps work that no node can run waiting, not failing', async () => {
    const ref = triple.options({ resources: { tpu: 1 } }).remote(1);
    const { ready } = await wait([ref], { timeoutMs: 500 });
    expect(ready).toEqual([]);
  }, 60_000);
});

describe('init with an address', () => {
  it('refuses single-machine options and a malformed address, naming the field', async () => {
    await expect(init({ address: '127.0.0.1:1', numCpus: 2 })).rejects.toThrow(
      /init.numCpus describes a single machine/,
    );
    await expect(init({ address: 'nowhere' })).rejects.toThrow(/init.address must be HOST:PORT/);
  });

  it('fails with a clear error when no head answers', async () => {
    const started = Date.now();
    await expect(init({ address: '127.0.0.1:9', headTimeoutMs: 800 })).rejects.toThrow(
      /no answer from a cluster head at 127.0.0.1:9/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
