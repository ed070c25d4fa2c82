/**
 * The CURVE layer between separate hosts (network namespaces, see bench/netns-lab.ts): a member is
 * answered, peers without the key and malformed frames are refused, and the head stays up throughout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab, netnsUnavailable, nodeCommand } from '../../../bench/netns-lab.js';
import { generateClusterKey, writeClusterKeyFile } from '../../../core/cluster/cluster-key.js';

const unavailable = netnsUnavailable();
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

describe.skipIf(unavailable !== undefined)(
  `cluster CURVE across namespaced hosts${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let lab: NetnsLab;
    const dir = mkdtempSync(join(tmpdir(), 'tsrl-netns-'));
    const keyFile = join(dir, 'cluster.key');

    beforeAll(() => {
      writeClusterKeyFile(keyFile, generateClusterKey());
      lab = NetnsLab.create(2);
    });
    afterAll(() => {
      lab?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers a member, refuses strangers and malformed frames, and stays up', async () => {
      const headHost = lab.hosts[0]!;
      const head = lab.run(0, [...nodeCommand(fixture('echo-head.ts')), headHost.address, keyFile]);
      const port = Number((await head.line(/^listening \d+/)).split(' ')[1]);
      const cases = ['member', 'stranger', 'plain', 'raw-tcp', 'garbage', 'truncated', 'oversized', 'member'];
      const probe = lab.run(1, [
        ...nodeCommand(fixture('probe.ts')),
        `${headHost.address}:${port}`,
        keyFile,
        ...cases,
      ]);
      await probe.line(/^done$/, 90_000);
      const results = probe
        .output()
        .stdout.filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { case: string; replied: boolean; reply?: string });
      expect(results.map((r) => [r.case, r.replied])).toEqual([
        ['member', true],
        ['stranger', false],
        ['plain', false],
        ['raw-tcp', false],
        ['garbage', true], // told it was dropped
        ['truncated', true],
        ['oversized', false], // libzmq disconnects it before a reply
        ['member', true],
      ]);
      expect(results[4]?.reply).toMatch(/dropped/);
      expect(results[5]?.reply).toMatch(/dropped/);
      const stats = JSON.parse((await head.line(/^stats .*"droppedPeers":2/)).slice('stats '.length)) as {
        droppedPeers: number;
        refusedHandshakes: number;
      };
      expect(stats.refusedHandshakes).toBeGreaterThanOrEqual(1);
      expect(head.proc.exitCode).toBeNull();
      head.kill();
      expect(await head.exited).toBe(0);
    }, 120_000);

    it('cannot reach a partitioned host until it is healed', async () => {
      const headHost = lab.hosts[0]!;
      const head = lab.run(0, [...nodeCommand(fixture('echo-head.ts')), headHost.address, keyFile]);
      const port = Number((await head.line(/^listening \d+/)).split(' ')[1]);
      const probeOnce = async (): Promise<boolean> => {
        const p = lab.run(1, [
          ...nodeCommand(fixture('probe.ts')),
          `${headHost.address}:${port}`,
          keyFile,
          'member',
        ]);
        const line = await p.line(/^\{/, 30_000);
        await p.exited;
        return (JSON.parse(line) as { replied: boolean }).replied;
      };
      lab.partition(1);
      expect(await probeOnce()).toBe(false);
      lab.heal(1);
      expect(await probeOnce()).toBe(true);
      head.kill();
    }, 120_000);
  },
);
