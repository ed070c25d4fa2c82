import { afterEach, describe, expect, it } from 'vitest';
import { ClusterClient } from '../../../core/cluster/cluster-client.js';
import { generateClusterKey } from '../../../core/cluster/cluster-key.js';
import { Head } from '../../../core/cluster/head.js';
import { fetchClusterStatus, requestClusterStop } from '../../../core/cluster/head-request.js';
import { NodeAgent } from '../../../core/cluster/node-agent.js';
import type { FromHead, NodeInfo, NodeStatus } from '../../../core/cluster/protocol.js';
import { type LogSink, setLogSink } from '../../../core/logger.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
const quiet: LogSink = () => {};
setLogSink(quiet);

const key = generateClusterKey();
const load = { resourcesUsed: { CPU: 1 }, numActors: 2, numQueuedTasks: 3, objectStoreBytes: 4 };

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await cond()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

async function startHead(port = 0, deadAfterMs = 400): Promise<Head> {
  const head = await Head.start({
    port,
    key,
    heartbeatMs: 50,
    deadAfterMs,
    localNode: { nodeId: 'head-node', host: '127.0.0.1', pid: process.pid, resources: { CPU: 2 } },
  });
  cleanups.push(() => head.close());
  return head;
}

function agent(head: Head, nodeId: string, headTimeoutMs = 60_000): NodeAgent {
  const node: NodeInfo = { nodeId, host: '127.0.0.1', pid: process.pid, resources: { CPU: 4, GPU: 1 } };
  const a = NodeAgent.start({ head: head.address, key, node, load: () => load, headTimeoutMs });
  cleanups.push(() => void a.leave());
  return a;
}

const alive = (head: Head) =>
  head
    .status()
    .nodes.filter((n) => n.state === 'alive')
    .map((n) => n.nodeId)
    .sort();

describe('cluster head: membership and failure detection', () => {
  it('registers nodes with their resources and load, and reports them to a status request', async () => {
    const head = await startHead();
    agent(head, 'n1');
    agent(head, 'n2');
    expect(await until(() => alive(head).length === 3)).toBe(true);
    expect(
      await until(() =>
        head.status().nodes.every((n) => n.nodeId === 'head-node' || n.load.numQueuedTasks === 3),
      ),
    ).toBe(true);
    const status = await fetchClusterStatus(head.address, key);
    expect(status.curve).toBe(true);
    const n1 = status.nodes.find((n) => n.nodeId === 'n1');
    expect(n1).toMatchObject({ state: 'alive', resources: { CPU: 4, GPU: 1 }, load });
    expect(status.nodes.find((n) => n.nodeId === 'head-node')?.resources).toEqual({ CPU: 2 });
  });

  it('declares a silent node dead after deadAfterMs, and takes it back when it registers again', async () => {
    const head = await startHead();
    const dead: NodeStatus[] = [];
    head.onNodeDead((n) => dead.push(n));
    // A node that registers and then never sends a heartbeat (as if frozen or cut off).
    const silent = ClusterClient.connect({ head: head.address, key }, { message: () => {} });
    cleanups.push(() => silent.close());
    const started = Date.now();
    await silent.send({
      t: 'register',
      node: { nodeId: 'frozen', host: '127.0.0.1', pid: 1, resources: {} },
    });
    expect(await until(() => dead.length === 1)).toBe(true);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(dead[0]).toMatchObject({ nodeId: 'frozen', state: 'dead' });
    expect(dead[0]?.deathCause).toMatch(/no heartbeat for \d+ ms \(limit 400 ms\)/);
    // It speaks again: told it is unknown; it registers and is alive again.
    const replies: string[] = [];
    const back = ClusterClient.connect(
      { head: head.address, key },
      { message: ({ message }) => replies.push(message.t) },
    );
    cleanups.push(() => back.close());
    await back.send({ t: 'heartbeat', nodeId: 'frozen', seq: 1, load });
    expect(await until(() => replies.includes('unknown-node'))).toBe(true);
    await back.send({ t: 'register', node: { nodeId: 'frozen', host: '127.0.0.1', pid: 1, resources: {} } });
    expect(await until(() => alive(head).includes('frozen'))).toBe(true);
  });

  it('a live node agent is never declared dead, and a node that leaves is removed', async () => {
    const head = await startHead(0, 800);
    const dead: NodeStatus[] = [];
    head.onNodeDead((n) => dead.push(n));
    const a = agent(head, 'steady');
    expect(await until(() => alive(head).includes('steady'))).toBe(true);
    await new Promise((r) => setTimeout(r, 2000)); // 2.5x deadAfterMs, 40 heartbeats
    expect(dead).toEqual([]);
    await a.leave();
    expect(await until(() => !head.status().nodes.some((n) => n.nodeId === 'steady'))).toBe(true);
  });

  it('nodes register again with a restarted head on the same port', async () => {
    const first = await startHead();
    const { port } = first.address;
    const a = agent(first, 'survivor');
    expect(await until(() => a.isRegistered)).toBe(true);
    first.close();
    const second = await startHead(port);
    expect(second.headId).not.toBe(first.headId);
    expect(await until(() => alive(second).includes('survivor'), 10_000)).toBe(true);
  });

  it('a node gives up with a clear error when no head answers', async () => {
    const head = await startHead();
    const { port } = head.address;
    head.close();
    const a = NodeAgent.start({
      head: { host: '127.0.0.1', port },
      key,
      node: { nodeId: 'lonely', host: '127.0.0.1', pid: 1, resources: {} },
      load: () => load,
      headTimeoutMs: 300,
    });
    const end = await a.ended;
    expect(end.reason).toBe('head-lost');
    expect(end.reason === 'head-lost' && end.error.message).toMatch(
      /no word from the cluster head at 127.0.0.1:\d+.*key file/,
    );
  });

  it('stop reaches every node, then the head', async () => {
    const head = await startHead();
    let stopped = false;
    head.onStopRequested(() => {
      stopped = true;
    });
    const a = agent(head, 'n1');
    expect(await until(() => a.isRegistered)).toBe(true);
    await requestClusterStop(head.address, key);
    expect(await a.ended).toEqual({ reason: 'stopped' });
    expect(await until(() => stopped)).toBe(true);
  });

  it('a status request with the wrong key times out with a clear error', async () => {
    const head = await startHead();
    await expect(fetchClusterStatus(head.address, generateClusterKey(), 500)).rejects.toThrow(
      /no reply from a cluster head at 127.0.0.1:\d+ within 500 ms.*key/,
    );
  });
});

describe('cluster head: code packages', () => {
  it('stores an uploaded package and serves it to a node, which caches it', async () => {
    const { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { PackageCache, packDirectory } = await import('../../../core/cluster/code-package.js');
    const { ensurePackage, uploadPackage } = await import('../../../core/cluster/head-request.js');
    const dir = mkdtempSync(join(tmpdir(), 'tsrl-head-pkg-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'job'));
    writeFileSync(join(dir, 'job', 'main.ts'), 'export const answer = 42;\n');
    const pkg = packDirectory(join(dir, 'job'));
    const head = await startHead();
    const cache = new PackageCache(join(dir, 'cache'));
    await expect(ensurePackage(head.address, key, pkg.hash, cache)).rejects.toThrow(/holds no package/);
    await expect(uploadPackage(head.address, key, { ...pkg, hash: 'f'.repeat(64) })).rejects.toThrow(
      /hash to/,
    );
    await uploadPackage(head.address, key, pkg);
    expect(head.status()).toMatchObject({ numPackages: 1, packageBytes: pkg.bytes.byteLength });
    const unpacked = await ensurePackage(head.address, key, pkg.hash, cache);
    expect(readFileSync(join(unpacked, 'main.ts'), 'utf8')).toBe('export const answer = 42;\n');
    head.close();
    // Cached: no head needed any more.
    expect(await ensurePackage(head.address, key, pkg.hash, cache, 300)).toBe(unpacked);
  });
});

describe('node agent against a scripted head', () => {
  it('registers once, not once per unknown-node reply, after a partition heals', async () => {
    const { Router } = await import('zeromq');
    const { checkToHead, packClusterMessage, parseClusterMessage } = await import(
      '../../../core/cluster/protocol.js'
    );
    const fake = new Router({ linger: 0 });
    await fake.bind('tcp://127.0.0.1:0');
    cleanups.push(() => fake.close());
    const port = Number(/:(\d+)$/.exec(fake.lastEndpoint ?? '')?.[1]);
    const a = NodeAgent.start({
      head: { host: '127.0.0.1', port },
      key: undefined,
      node: { nodeId: 'n', host: '127.0.0.1', pid: 1, resources: {} },
      load: () => load,
    });
    cleanups.push(() => void a.leave());
    const registers: number[] = [];
    let peer: Buffer | undefined;
    void (async () => {
      for await (const [id, ...frames] of fake) {
        peer = id as Buffer;
        if (parseClusterMessage(frames, checkToHead).message.t === 'register') registers.push(Date.now());
      }
    })();
    const welcome = packClusterMessage({
      t: 'welcome',
      nodeId: 'n',
      headId: 'h',
      heartbeatMs: 2000,
      deadAfterMs: 10_000,
    });
    expect(await until(() => registers.length === 1)).toBe(true);
    await fake.send([peer as Buffer, ...welcome]);
    expect(await until(() => a.isRegistered)).toBe(true);
    // The heartbeats queued during a partition arrive together; the head answers each with unknown-node.
    for (let i = 0; i < 20; i++)
      await fake.send([peer as Buffer, ...packClusterMessage({ t: 'unknown-node', nodeId: 'n' })]);
    await new Promise((r) => setTimeout(r, 500));
    expect(registers.length).toBe(2);
  });
});

describe('cluster head: drivers', () => {
  it("ends a silent driver's job on its nodes, and tells it so when it speaks again", async () => {
    const ended: string[] = [];
    const relayed: string[] = [];
    const head = await Head.start({
      port: 0,
      key,
      heartbeatMs: 50,
      deadAfterMs: 400,
      driverDeadAfterMs: 300,
      localNode: { nodeId: 'head-node', host: '127.0.0.1', pid: process.pid, resources: { CPU: 2 } },
      localJobs: {
        handle: (driverId) => relayed.push(driverId),
        endJob: (driverId) => ended.push(driverId),
        load: () => load,
      },
    });
    cleanups.push(() => head.close());
    const heard: FromHead[] = [];
    const driver = ClusterClient.connect(
      { head: head.address, key },
      { message: ({ message }) => heard.push(message) },
    );
    cleanups.push(() => driver.close());
    const job = new Uint8Array([1]);
    await driver.send({ t: 'driver-hello', driverId: 'd1' });
    await driver.send({ t: 'to-node', driverId: 'd1', nodeId: 'head-node' }, [job]);
    expect(await until(() => relayed.length === 1)).toBe(true);
    // Silent past driverDeadAfterMs: its job ends on the nodes.
    expect(await until(() => ended.includes('d1'))).toBe(true);
    // Back: its message is not relayed, and it is told why (every time, until it takes a new id).
    await driver.send({ t: 'to-node', driverId: 'd1', nodeId: 'head-node' }, [job]);
    await driver.send({ t: 'driver-hello', driverId: 'd1' });
    const told = () => heard.filter((m) => m.t === 'job-ended');
    expect(await until(() => told().length === 2)).toBe(true);
    expect(told()[0]).toMatchObject({
      driverId: 'd1',
      reason: expect.stringMatching(/went silent for \d+ ms \(limit 300 ms\)/),
    });
    expect(relayed).toEqual(['d1']);
    // Under a new id it is a driver like any other.
    await driver.send({ t: 'to-node', driverId: 'd2', nodeId: 'head-node' }, [job]);
    expect(await until(() => relayed.length === 2)).toBe(true);
  });

  it("lists drivers' named actors for every driver, first owner wins, gone with the driver", async () => {
    const head = await Head.start({ port: 0, key, heartbeatMs: 50 });
    cleanups.push(() => head.close());
    const tables: Extract<FromHead, { t: 'nodes' }>[] = [];
    const connect = () => {
      const c = ClusterClient.connect(
        { head: head.address, key },
        { message: ({ message }) => (message.t === 'nodes' ? tables.push(message) : undefined) },
      );
      cleanups.push(() => c.close());
      return c;
    };
    const a = connect();
    const b = connect();
    await a.send({ t: 'driver-hello', driverId: 'da' });
    await b.send({ t: 'driver-hello', driverId: 'db' });
    const entry = { name: 'ps', driverId: 'da', actorId: 1, nodeId: 'n1', exportName: 'Ps' };
    await a.send({ t: 'name-actor', entry });
    await b.send({ t: 'name-actor', entry: { ...entry, driverId: 'db', actorId: 9 } }); // taken: ignored
    await b.send({ t: 'name-actor', entry: { ...entry, name: 'other', driverId: 'da' } }); // not b's own
    const last = () => tables.at(-1)?.names ?? [];
    expect(await until(() => last().length === 1 && tables.length > 4)).toBe(true);
    expect(last()).toEqual([entry]);
    await a.send({ t: 'driver-bye', driverId: 'da' });
    expect(await until(() => tables.length > 0 && last().length === 0)).toBe(true);
  });

  it('keeps the job of a driver that keeps saying hello', async () => {
    const ended: string[] = [];
    const head = await Head.start({
      port: 0,
      key,
      heartbeatMs: 50,
      driverDeadAfterMs: 300,
      localNode: { nodeId: 'head-node', host: '127.0.0.1', pid: process.pid, resources: { CPU: 2 } },
      localJobs: { handle: () => {}, endJob: (driverId) => ended.push(driverId), load: () => load },
    });
    cleanups.push(() => head.close());
    const driver = ClusterClient.connect({ head: head.address, key }, { message: () => {} });
    cleanups.push(() => driver.close());
    for (let i = 0; i < 12; i++) {
      await driver.send({ t: 'driver-hello', driverId: 'd1' });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ended).toEqual([]);
    await expect(Head.start({ port: 0, key, heartbeatMs: 500, driverDeadAfterMs: 100 })).rejects.toThrow(
      /driverDeadAfterMs \(100\) must exceed heartbeatMs \(500\)/,
    );
  });
});
