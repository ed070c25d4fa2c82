/**
 * A cluster of three namespaced hosts driven through the real CLI (`bin/rl.js`, built dist/): a head
 * and two nodes join with the key; status from another host lists them; garbage, truncated, oversized
 * and over-long messages on the head's port drop only their peer; a node killed with SIGKILL
 * and a partitioned node are declared dead with the cause; a healed node and every node after a head
 * restart (SIGKILL, same port) register again; a client without the key gets a clear error; and
 * `rl cluster stop` on the head host stops the nodes on the other hosts.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LabProcess, NetnsLab, netnsUnavailable, nodeCommand } from '../../../bench/netns-lab.js';
import { generateClusterKey, writeClusterKeyFile } from '../../../core/cluster/cluster-key.js';
import type { ClusterStatus } from '../../../core/cluster/protocol.js';

const unavailable = netnsUnavailable();
const RL = fileURLToPath(new URL('../../../bin/rl.js', import.meta.url));
const TIMING = ['--heartbeat-ms', '100', '--dead-after-ms', '2500'];
const PROBE = new URL('./fixtures/probe.ts', import.meta.url);

describe.skipIf(unavailable !== undefined)(
  `rl cluster across namespaced hosts${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let lab: NetnsLab;
    const root = mkdtempSync(join(tmpdir(), 'tsrl-cluster-cli-'));
    const dirs = [0, 1, 2].map((i) => join(root, `host${i}`));
    const env = (i: number) => ({ TSRL_CLUSTER_DIR: dirs[i] ?? '', TSRL_LOG_LEVEL: 'info' });
    const nodeKey = join(root, 'copied.key');

    beforeAll(() => {
      for (const d of dirs) mkdirSync(d, { recursive: true, mode: 0o700 });
      lab = NetnsLab.create(3);
    });
    afterAll(() => {
      lab?.destroy();
      rmSync(root, { recursive: true, force: true });
    });

    const rl = (host: number, ...args: string[]): LabProcess =>
      lab.run(host, [process.execPath, RL, ...args], env(host));

    async function run(
      host: number,
      ...args: string[]
    ): Promise<{ code: number | null; out: string; err: string }> {
      const p = rl(host, ...args);
      const code = await p.exited;
      await new Promise((r) => setImmediate(r));
      return { code, out: p.output().stdout.join('\n'), err: p.output().stderr };
    }

    async function status(from: number, address: string): Promise<ClusterStatus> {
      const r = await run(from, 'cluster', 'status', '--json', '--address', address, '--key-file', nodeKey);
      if (r.code !== 0) throw new Error(`status failed: ${r.err}`);
      return JSON.parse(r.out) as ClusterStatus;
    }

    async function until(
      address: string,
      cond: (s: ClusterStatus) => boolean,
      from = 1,
      ms = 30_000,
    ): Promise<ClusterStatus> {
      const end = Date.now() + ms;
      let last: ClusterStatus | undefined;
      while (Date.now() < end) {
        last = await status(from, address);
        if (cond(last)) return last;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(
        `condition not reached; last status: ${JSON.stringify(last?.nodes.map((n) => [n.host, n.state]))}`,
      );
    }

    const stateOf = (s: ClusterStatus, host: string) => s.nodes.find((n) => n.host === host)?.state;

    it('runs membership, failure detection, restart and stop across hosts', async () => {
      const [h0, h1, h2] = lab.hosts;
      if (h0 === undefined || h1 === undefined || h2 === undefined) throw new Error('lab');
      // Head on host 0, bound to its lab address.
      let head = rl(
        0,
        'cluster',
        'start',
        '--head',
        '--bind',
        h0.address,
        '--port',
        '0',
        '--num-cpus',
        '2',
        '--block',
        ...TIMING,
      );
      const listening = await head.line(/^cluster head listening on /);
      const address = /listening on (\S+)/.exec(listening)?.[1] ?? '';
      expect(address).toMatch(new RegExp(`^${h0.address.replaceAll('.', '\\.')}:\\d+$`));
      const joinLine = await head.line(/rl cluster start --address/);
      expect(joinLine).toContain(`--address ${address} --key-file ${join(dirs[0] ?? '', 'cluster.key')}`);
      copyFileSync(join(dirs[0] ?? '', 'cluster.key'), nodeKey); // "copy the key to each machine"

      const startNode = (i: number, cpus: string): LabProcess =>
        rl(
          i,
          'cluster',
          'start',
          '--address',
          address,
          '--key-file',
          nodeKey,
          '--num-cpus',
          cpus,
          '--num-gpus',
          '1',
          '--block',
        );
      const n1 = startNode(1, '3');
      let n2 = startNode(2, '4');
      await n1.line(/joined the cluster/);
      await n2.line(/joined the cluster/);
      let s = await status(1, address);
      expect(s.curve).toBe(true);
      expect(s.nodes.map((n) => [n.host, n.state, n.resources]).sort()).toEqual([
        [h0.address, 'alive', { CPU: 2 }],
        [h1.address, 'alive', { CPU: 3, GPU: 1 }],
        [h2.address, 'alive', { CPU: 4, GPU: 1 }],
      ]);

      // Malformed messages on the head's port, from a peer holding the key: each peer is dropped (told
      // why, or disconnected by libzmq past the 256 MiB cap); the head and its nodes carry on.
      const cases = [
        'garbage',
        'truncated',
        'big-header',
        'many-frames',
        `oversized:${256 * 1024 * 1024 + 1024}`,
      ];
      const probe = async (...what: string[]) => {
        const p = lab.run(2, [...nodeCommand(PROBE), address, nodeKey, ...what]);
        await p.line(/^done$/, 60_000);
        return p
          .output()
          .stdout.filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { case: string; replied: boolean; reply?: string });
      };
      const replies = await probe(...cases);
      expect(replies.map((r) => [r.case, r.replied])).toEqual([
        ...cases.slice(0, 4).map((c) => [c, true]),
        [cases[4], false],
      ]);
      // A new process: the last one's I/O thread may still be busy with the 256 MiB it sends.
      expect((await probe('member')).map((r) => r.replied)).toEqual([true]);
      for (const r of replies.slice(0, 4)) expect(r.reply).toMatch(/dropped/);
      s = await status(1, address);
      expect(s.droppedPeers).toBe(4);
      expect(s.nodes.map((n) => n.state)).toEqual(['alive', 'alive', 'alive']);
      expect(head.proc.exitCode).toBeNull();

      // Without the cluster key: no answer, and a clear error (not a hang).
      const strangerKey = join(root, 'stranger.key');
      writeClusterKeyFile(strangerKey, generateClusterKey());
      const stranger = await run(2, 'cluster', 'status', '--address', address, '--key-file', strangerKey);
      expect(stranger.code).toBe(1);
      expect(stranger.err).toMatch(/no reply from a cluster head at .* key/);

      // kill -9 a node: declared dead with the cause.
      n2.kill('SIGKILL');
      s = await until(address, (st) => stateOf(st, h2.address) === 'dead');
      expect(s.nodes.find((n) => n.host === h2.address)?.deathCause).toMatch(
        /no heartbeat for \d+ ms \(limit 2500 ms\)/,
      );
      expect(stateOf(s, h1.address)).toBe('alive');

      // Partition host 1: dead; heal: it registers again.
      lab.partition(1);
      s = await until(address, (st) => stateOf(st, h1.address) === 'dead', 0);
      expect(s.nodes.find((n) => n.host === h1.address)?.deathCause).toMatch(/no heartbeat/);
      lab.heal(1);
      s = await until(address, (st) => stateOf(st, h1.address) === 'alive');
      expect(head.output().stderr).toMatch(/rejoined after being declared dead/);
      // One registration after the heal, not one per heartbeat queued during the partition.
      const joins = head
        .output()
        .stderr.split('\n')
        .filter((l) => l.includes(`joined from ${h1.address}`));
      expect(joins.length).toBeLessThanOrEqual(3);

      // Head restart (SIGKILL, same port, same key): the node registers with the new head.
      const firstHeadId = s.headId;
      head.kill('SIGKILL');
      await head.exited;
      const port = address.split(':')[1] ?? '';
      head = rl(
        0,
        'cluster',
        'start',
        '--head',
        '--bind',
        h0.address,
        '--port',
        port,
        '--num-cpus',
        '2',
        '--block',
        ...TIMING,
      );
      await head.line(/^cluster head listening on /);
      s = await until(address, (st) => st.headId !== firstHeadId && stateOf(st, h1.address) === 'alive');
      n2 = startNode(2, '4');
      await n2.line(/joined the cluster/);

      // Stop from the head host: the nodes on hosts 1 and 2 exit cleanly.
      const stop = await run(0, 'cluster', 'stop');
      expect(stop.code).toBe(0);
      expect(stop.out).toMatch(/stopped the head/);
      expect(await n1.exited).toBe(0);
      expect(await n2.exited).toBe(0);
      expect(await head.exited).toBe(0);
    }, 240_000);
  },
);
