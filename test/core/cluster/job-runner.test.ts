/**
 * A node refuses job messages that name code outside the job's directory or tsrl's installation
 * (data: URLs, absolute paths, `..`, links leading out): the driver gets the reason, and no worker
 * starts. Malformed job messages are dropped without a reply. Messages of a driver are handled in the
 * order sent: an actor's call waits for its creation.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkJobToDriver,
  checkJobToNode,
  type JobToDriver,
  type JobToNode,
  packJobMessage,
  type WireSite,
} from '../../../core/cluster/job-protocol.js';
import { JobRunner } from '../../../core/cluster/job-runner.js';
import { packr } from '../../../core/codec.js';

const root = mkdtempSync(join(tmpdir(), 'tsrl-job-runner-'));
const jobDir = join(root, 'job');
mkdirSync(jobDir);
writeFileSync(join(root, 'outside.mjs'), 'export const x = 1;\n');
writeFileSync(join(jobDir, 'inside.mjs'), 'export const x = 1;\n');
symlinkSync(join(root, 'outside.mjs'), join(jobDir, 'link.mjs'));
const HASH = 'a'.repeat(64);
const ARGS = { data: packr.pack([]), frames: [], deps: [] };

function runner(): { runner: JobRunner; replies: JobToDriver[] } {
  const replies: JobToDriver[] = [];
  const r = new JobRunner({
    resources: { CPU: 1 },
    fetchPackage: async () => jobDir,
    send: (_driver, m) => replies.push(m),
  });
  return { runner: r, replies };
}

function task(site: WireSite, id = 1): JobToNode {
  return {
    t: 'task',
    id,
    pkg: HASH,
    site,
    resources: { CPU: 1 },
    maxRetries: 0,
    retryExceptions: false,
    args: ARGS,
  };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a node refuses modules outside the job', () => {
  const cases: [string, WireSite, RegExp][] = [
    ['a data: URL', { root: 'job', path: 'data:text/javascript,export const x=1', exportName: 'x' }, /URLs/],
    ['a file: URL', { root: 'job', path: 'file:///etc/passwd', exportName: 'x' }, /URLs/],
    ['an absolute path', { root: 'job', path: join(root, 'outside.mjs'), exportName: 'x' }, /absolute/],
    ['a path climbing out', { root: 'job', path: '../outside.mjs', exportName: 'x' }, /outside the job/],
    ['a link leading out', { root: 'job', path: 'link.mjs', exportName: 'x' }, /links outside/],
    ['a path out of tsrl', { root: 'tsrl', path: '../../etc/passwd', exportName: 'x' }, /outside/],
  ];
  for (const [what, site, reason] of cases) {
    it(`refuses ${what} and tells the driver why`, async () => {
      const { runner: r, replies } = runner();
      r.handle('driver-1', packJobMessage(task(site, 7)));
      await until(() => replies.length > 0);
      expect(replies).toHaveLength(1);
      const reply = replies[0];
      expect(reply?.t).toBe('failed');
      if (reply?.t !== 'failed') return;
      expect(reply.id).toBe(7);
      expect(reply.error.message).toMatch(/refused/);
      expect(reply.error.message).toMatch(reason);
      expect(r.started).toBe(false); // no worker process was started for it
      await r.shutdown();
    });
  }

  it('reports an actor whose module is refused (its calls then fail instead of waiting)', async () => {
    const { runner: r, replies } = runner();
    const actor: JobToNode = {
      t: 'actor',
      actorId: 3,
      pkg: HASH,
      site: { root: 'job', path: '../outside.mjs', exportName: 'x' },
      resources: {},
      maxRestarts: 0,
      maxTaskRetries: 0,
      maxConcurrency: 1,
      args: ARGS,
    };
    r.handle('driver-1', packJobMessage(actor));
    await until(() => replies.length > 0);
    expect(replies[0]).toMatchObject({ t: 'actor-failed', actorId: 3 });
    await r.shutdown();
  });

  it('drops garbage, truncated and ill-typed job messages without acting on them', async () => {
    const { runner: r, replies } = runner();
    const good = packJobMessage(task({ root: 'job', path: 'inside.mjs', exportName: 'x' }));
    r.handle('driver-1', new Uint8Array([0xc1, 0xff, 0x00]));
    r.handle('driver-1', good.subarray(0, good.byteLength - 5));
    r.handle('driver-1', undefined);
    r.handle('driver-1', packr.pack({ t: 'task', id: -1 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(replies).toEqual([]);
    expect(r.started).toBe(false);
    await r.shutdown();
  });
});

describe('message order', () => {
  it("runs an actor's first call after the actor, though the job's package is still being fetched", async () => {
    const replies: JobToDriver[] = [];
    const r = new JobRunner({
      resources: { CPU: 1 },
      fetchPackage: async () => {
        await new Promise((resolve) => setTimeout(resolve, 300)); // the actor waits for this, the call does not
        return jobDir;
      },
      send: (_driver, m) => replies.push(m),
    });
    const site = {
      root: 'tsrl',
      path: 'test/core/cluster/fixtures/cluster-defs.ts',
      exportName: 'Accumulator',
    };
    r.handle(
      'driver-1',
      packJobMessage({
        t: 'actor',
        actorId: 5,
        pkg: HASH,
        site: site as WireSite,
        resources: {},
        maxRestarts: 0,
        maxTaskRetries: 0,
        maxConcurrency: 1,
        args: ARGS,
      }),
    );
    const two = { data: packr.pack([2]), frames: [], deps: [] };
    r.handle('driver-1', packJobMessage({ t: 'call', id: 11, actorId: 5, method: 'add', args: two }));
    for (let i = 0; i < 600 && replies.length === 0; i++) await new Promise((res) => setTimeout(res, 50));
    const reply = replies[0];
    expect(reply).toMatchObject({ t: 'result', id: 11 });
    if (reply?.t === 'result') expect(packr.unpack(reply.value.data)).toBe(2);
    await r.shutdown();
  }, 60_000);
});

describe('job message validation', () => {
  it('names the bad field', () => {
    const bad = (m: Record<string, unknown>) => () => checkJobToNode(packr.pack(m));
    const base = task({ root: 'job', path: 'inside.mjs', exportName: 'x' }) as unknown as Record<
      string,
      unknown
    >;
    expect(bad({ ...base, pkg: 'xyz' })).toThrow(/pkg must be 64 lowercase hex/);
    expect(bad({ ...base, site: { root: 'elsewhere', path: 'a', exportName: 'x' } })).toThrow(/site.root/);
    expect(bad({ ...base, site: { root: 'job', path: 'a', exportName: 'x; alert(1)' } })).toThrow(
      /site.exportName/,
    );
    expect(bad({ ...base, resources: { CPU: -1 } })).toThrow(/resources.CPU must be a finite number >= 0/);
    expect(bad({ ...base, args: { data: 'text', frames: [], deps: [] } })).toThrow(/args.data must be bytes/);
    expect(bad({ ...base, t: 'exec' })).toThrow(/job message type "exec"/);
  });

  it('checks the objects sent with a result, naming the bad field', () => {
    const value = { data: packr.pack(1), frames: [] };
    const result = (inner: unknown) => () =>
      checkJobToDriver(packr.pack({ t: 'result', id: 1, value, inner }));
    expect(result([{ id: 7, value }])()).toMatchObject({ inner: [{ id: 7 }] });
    expect(result('x')).toThrow(/inner must be a list/);
    expect(result([{ id: 7, value: { data: 'text', frames: [] } }])).toThrow(
      /inner\[0\]\.value\.data must be bytes/,
    );
    expect(result([{ id: -1, value }])).toThrow(/id must be an integer/);
  });
});
