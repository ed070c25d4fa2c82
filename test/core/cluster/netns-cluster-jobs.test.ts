/**
 * Work on a cluster of three namespaced hosts, through the real CLI (`bin/rl.js`, built dist/): a head
 * on host 0 and nodes on hosts 1 and 2; a driver (fixtures/job/driver.mjs, in its own job directory)
 * joins with the key file. Its tasks land on all three hosts and an actor on the one node offering
 * its custom resource; a second driver reaches the first one's named actor by name; a node killed with SIGKILL mid-job loses no result (its tasks run again
 * elsewhere, its actor restarts elsewhere; a task and an actor allowed no retry fail with ObjectLostError
 * and ActorDiedError naming the node); a partitioned node's tasks run elsewhere and, healed, it
 * takes work again; a head restarted on its port takes the driver's work again (re-uploaded), and a
 * head gone for good fails the driver's pending get with the reason. No driver hangs: each must
 * exit within its time limit.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LabProcess, NetnsLab, netnsUnavailable } from '../../../bench/netns-lab.js';

const unavailable = netnsUnavailable();
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const RL = join(REPO, 'bin', 'rl.js');
const FIXTURES = fileURLToPath(new URL('./fixtures/job/', import.meta.url));
// Dead after 3 s of silence: slack for a loaded 2-core CI machine (drivers are timed out the same way).
const TIMING = ['--heartbeat-ms', '100', '--dead-after-ms', '3000'];

type Line = Record<string, unknown>;
interface TaskResult {
  readonly i: number;
  readonly host: number;
}

describe.skipIf(unavailable !== undefined)(
  `jobs across namespaced hosts${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let lab: NetnsLab;
    const root = mkdtempSync(join(tmpdir(), 'tsrl-cluster-jobs-'));
    const job = join(root, 'job');
    const keyFile = join(root, 'cluster.key');
    let address = '';
    const nodes = new Map<number, LabProcess>();
    let head: LabProcess;

    const env = (i: number) => ({
      TSRL_CLUSTER_DIR: join(root, `host${i}`),
      TSRL_TEST_HOST: String(i),
      TSRL_LOG_LEVEL: 'info',
    });
    const rl = (host: number, ...args: string[]): LabProcess =>
      lab.run(host, [process.execPath, RL, ...args], env(host));

    function startNode(i: number, ...extra: string[]): LabProcess {
      const p = rl(i, 'cluster', 'start', '--address', address, '--key-file', keyFile, '--block', ...extra);
      nodes.set(i, p);
      return p;
    }

    function startHead(host: string, port: string): LabProcess {
      return rl(
        0,
        'cluster',
        'start',
        '--head',
        '--block',
        '--bind',
        host,
        '--port',
        port,
        '--num-cpus',
        '1',
        ...TIMING,
      );
    }

    /** Runs the driver in `mode` on host 0; returns its process and a reader of its JSON lines. */
    function driver(
      mode: string,
      headTimeoutMs = 20_000,
    ): { proc: LabProcess; next: (key: string, ms?: number) => Promise<Line> } {
      const proc = lab.run(
        0,
        [process.execPath, join(job, 'driver.mjs'), mode, address, keyFile, String(headTimeoutMs)],
        env(0),
      );
      let seen = 0;
      const next = async (key: string, ms = 60_000): Promise<Line> => {
        const end = Date.now() + ms;
        for (;;) {
          const lines = proc.output().stdout;
          for (; seen < lines.length; seen++) {
            const parsed = JSON.parse(lines[seen] as string) as Line;
            if (key in parsed) {
              seen++;
              return parsed;
            }
          }
          if (Date.now() > end || proc.proc.exitCode !== null) {
            throw new Error(
              `driver ${mode}: no line with ${key}; stdout: ${lines.slice(-3).join(' | ')}; stderr: ${proc.output().stderr} HEAD ${head.output().stderr.slice(-3000)}`,
            );
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      return { proc, next };
    }

    async function exitsWithin(p: LabProcess, ms: number): Promise<number | null> {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<'hung'>((r) => {
        timer = setTimeout(() => r('hung'), ms);
      });
      const code = await Promise.race([p.exited, limit]);
      clearTimeout(timer);
      if (code === 'hung') throw new Error(`the driver hung; stderr: ${p.output().stderr}`);
      return code;
    }

    beforeAll(async () => {
      mkdirSync(join(job, 'node_modules'), { recursive: true });
      for (const f of ['driver.mjs', 'jobs.mjs']) copyFileSync(join(FIXTURES, f), join(job, f));
      // The job imports 'tsrl' as an installed package would be (node_modules is never uploaded).
      symlinkSync(REPO, join(job, 'node_modules', 'tsrl'));
      for (const i of [0, 1, 2]) mkdirSync(join(root, `host${i}`), { recursive: true, mode: 0o700 });
      lab = NetnsLab.create(3);
      const h0 = lab.hosts[0];
      if (h0 === undefined) throw new Error('lab');
      head = startHead(h0.address, '0');
      const listening = await head.line(/^cluster head listening on /);
      address = /listening on (\S+)/.exec(listening)?.[1] ?? '';
      copyFileSync(join(root, 'host0', 'cluster.key'), keyFile);
      startNode(1, '--num-cpus', '2', '--resources', '{"special": 1, "victim": 1, "h1": 1}');
      startNode(2, '--num-cpus', '2', '--resources', '{"victim": 1, "h2": 1}');
      await nodes.get(1)?.line(/joined the cluster/);
      await nodes.get(2)?.line(/joined the cluster/);
    }, 60_000);

    afterAll(() => {
      lab?.destroy();
      rmSync(root, { recursive: true, force: true });
    });

    it('runs tasks on all three hosts and an actor where its resource is', async () => {
      const d = driver('spread');
      const tasks = (await d.next('tasks'))['tasks'] as TaskResult[];
      expect(tasks.map((t) => t.i)).toEqual([...Array(12).keys()]);
      expect(new Set(tasks.map((t) => t.host))).toEqual(new Set([0, 1, 2]));
      // A put() object as an argument travels with the task.
      expect((await d.next('sum'))['sum']).toMatchObject({ total: (4999 * 5000) / 2 });
      const calls = (await d.next('calls'))['calls'] as { n: number; host: number }[];
      expect(calls).toEqual([
        { n: 11, host: 1 },
        { n: 13, host: 1 },
      ]);
      expect(await exitsWithin(d.proc, 20_000)).toBe(0);
    }, 120_000);

    it("reaches one driver's named actor from another driver", async () => {
      const owner = driver('named-owner');
      expect((await owner.next('owner'))['owner']).toEqual({ n: 101, host: 1 });
      const user = driver('named-user');
      expect((await user.next('missing'))['missing']).toMatch(/no live actor is named 'no-such-actor'/);
      // The same instance (its count goes on), on the node its owner placed it on.
      expect((await user.next('user'))['user']).toEqual({ n: 106, host: 1 });
      expect(await exitsWithin(user.proc, 20_000)).toBe(0);
      writeFileSync(join(job, 'stop-named'), '');
      expect((await owner.next('ownerAfter'))['ownerAfter']).toEqual({ n: 107, host: 1 });
      expect(await exitsWithin(owner.proc, 20_000)).toBe(0);
      rmSync(join(job, 'stop-named'));
    }, 120_000);

    it('loses no result when a node is killed with SIGKILL mid-job', async () => {
      const d = driver('kill');
      const actor = (await d.next('actor'))['actor'] as { n: number; host: number };
      expect(actor.n).toBe(1);
      await d.next('submitted');
      const victim = nodes.get(actor.host);
      if (victim === undefined) throw new Error(`actor on host ${actor.host}, not a node`);
      victim.kill('SIGKILL');
      const tasks = (await d.next('tasks'))['tasks'] as TaskResult[];
      expect(tasks.map((t) => t.i)).toEqual([...Array(12).keys()]);
      // The actor restarted on the other node (its constructor ran again: n starts from 0).
      const after = (await d.next('after'))['after'] as { n: number; host: number };
      expect(after).toEqual({ n: 1, host: actor.host === 1 ? 2 : 1 });
      // Work allowed no second try fails, naming the node it was lost with.
      const victimAddress = lab.hosts[actor.host]?.address ?? '';
      const lost = String((await d.next('lost'))['lost']);
      expect(lost).toMatch(/^ObjectLostError: node \S+ \((\S+)\) was lost: .*task slow has no retries left/);
      expect(lost).toContain(`(${victimAddress})`);
      const died = String((await d.next('died'))['died']);
      expect(died).toMatch(/^ActorDiedError: node \S+ \((\S+)\) was lost: .*has no restarts left/);
      expect(died).toContain(`(${victimAddress})`);
      expect(await exitsWithin(d.proc, 20_000)).toBe(0);
      nodes.delete(actor.host);
      // Bring the killed host back for the next case.
      const back = startNode(
        actor.host,
        '--num-cpus',
        '2',
        '--resources',
        actor.host === 1 ? '{"special": 1, "victim": 1, "h1": 1}' : '{"victim": 1, "h2": 1}',
      );
      await back.line(/joined the cluster/);
    }, 180_000);

    it("runs a partitioned node's tasks elsewhere, and uses it again once healed", async () => {
      const d = driver('batches');
      await d.next('batch');
      lab.partition(1);
      // Batches keep completing (tasks on the cut node run again elsewhere) and none hangs.
      const during: TaskResult[][] = [];
      for (let k = 0; k < 8; k++) during.push((await d.next('batch'))['tasks'] as TaskResult[]);
      for (const batch of during) expect(batch.map((t) => t.i)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(
        during
          .slice(-3)
          .flat()
          .some((t) => t.host === 1),
      ).toBe(false);
      lab.heal(1);
      let sawHost1 = false;
      for (let k = 0; k < 60 && !sawHost1; k++) {
        const tasks = (await d.next('batch'))['tasks'] as TaskResult[];
        expect(tasks.map((t) => t.i)).toEqual([0, 1, 2, 3, 4, 5]);
        sawHost1 = tasks.some((t) => t.host === 1);
      }
      expect(sawHost1).toBe(true);
      writeFileSync(join(job, 'stop'), '');
      expect(await exitsWithin(d.proc, 20_000)).toBe(0);
      rmSync(join(job, 'stop'));
    }, 180_000);

    it('carries on through a head restart, and fails clearly once the head is gone for good', async () => {
      const d = driver('batches', 4000);
      await d.next('batch');
      head.kill('SIGKILL');
      await head.exited;
      head = startHead(lab.hosts[0]?.address ?? '', address.split(':')[1] ?? '');
      await head.line(/^cluster head listening on /);
      // The work lost with the old head runs again: batches complete in full, with every node.
      const hosts = new Set<number>();
      for (let k = 0; k < 60 && hosts.size < 3; k++) {
        const tasks = (await d.next('batch'))['tasks'] as TaskResult[];
        expect(tasks.map((t) => t.i)).toEqual([0, 1, 2, 3, 4, 5]);
        for (const t of tasks) hosts.add(t.host);
      }
      expect(hosts).toEqual(new Set([0, 1, 2]));
      // Gone for good: the driver's pending get fails with the reason within its headTimeoutMs.
      head.kill('SIGKILL');
      const failed = await d.next('error', 30_000);
      expect(String(failed['error'])).toMatch(/lost the cluster head at .*: no word for \d+ s/);
      expect(await exitsWithin(d.proc, 20_000)).toBe(0);
    }, 180_000);
  },
);
