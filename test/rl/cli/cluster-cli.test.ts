/**
 * `rl cluster` as a user runs it on one machine (loopback, the built CLI): start a head and a node in
 * the background, see both in status, refuse a second head, stop everything; no process is left.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../../core/cluster/protocol.js';

const RL = fileURLToPath(new URL('../../../bin/rl.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tsrl-cluster-cli-'));
const env = { ...process.env, TSRL_CLUSTER_DIR: dir };

async function rl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [RL, ...args], {
      env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(async () => {
  await rl('cluster', 'stop');
  rmSync(dir, { recursive: true, force: true });
});

describe('rl cluster on one machine', () => {
  it('starts a head and a node in the background, shows them, and stops them', async () => {
    const head = await rl('cluster', 'start', '--head', '--port', '0', '--num-cpus', '2');
    expect(head.code).toBe(0);
    const address = /listening on (\S+) \(CURVE\)/.exec(head.stdout)?.[1] ?? '';
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const join = /(rl cluster start --address \S+ --key-file \S+)/.exec(head.stdout)?.[1] ?? '';
    expect(join).toBe(`rl cluster start --address ${address} --key-file ${join.split(' ').at(-1)}`);

    const second = await rl('cluster', 'start', '--head', '--port', '0');
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/a head already runs on this machine/);

    const keyFile = join.split(' ').at(-1) ?? '';
    const node = await rl('cluster', 'start', '--address', address, '--key-file', keyFile, '--num-cpus', '3');
    expect(node.code).toBe(0);
    expect(node.stdout).toMatch(/joined the cluster at 127\.0\.0\.1:\d+/);

    const status = await rl('cluster', 'status', '--json');
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as ClusterStatus;
    expect(s.nodes.map((n) => [n.state, n.resources['CPU']]).sort()).toEqual([
      ['alive', 2],
      ['alive', 3],
    ]);
    const pids = s.nodes.map((n) => n.pid);
    expect(pids.every(alive)).toBe(true);
    const text = await rl('cluster', 'status');
    expect(text.stdout).toMatch(/2 of 2 nodes alive/);

    const stop = await rl('cluster', 'stop');
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/stopped the head/);
    expect(stop.stdout).toMatch(/stopped node/);
    expect(pids.some(alive)).toBe(false);
    const after = await rl('cluster', 'status');
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(/no cluster head runs on this machine/);
  });
});
