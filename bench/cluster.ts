/**
 * `rl bench cluster`: the cluster transport between two hosts made of network namespaces on this
 * machine (bench/netns-lab.ts; needs root), plain ZeroMQ against CURVE with the cluster key, measured
 * in the same run: small-message round trips per second (64 in flight) and 100 MB transfer GB/s. The
 * hosts share this machine's CPUs, so the figures are the transport's cost, not a network's speed.
 * Returns `{ skipped }` with the reason where namespaces cannot be made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateClusterKey, writeClusterKeyFile } from '../core/cluster/cluster-key.js';
import { NetnsLab, netnsUnavailable, nodeCommand } from './netns-lab.js';

interface PeerResult {
  smallRoundTripsPerSec: number;
  bulk100MbGBps: { median: number; best: number };
}

const peer = new URL(`./cluster-peer.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

async function measure(lab: NetnsLab, keyArg: string): Promise<PeerResult> {
  const sinkHost = lab.hosts[0];
  if (sinkHost === undefined) throw new Error('internal: the lab has no hosts');
  const sink = lab.run(0, [...nodeCommand(peer), 'sink', sinkHost.address, keyArg]);
  try {
    const port = (await sink.line(/^listening \d+$/)).split(' ')[1];
    const source = lab.run(1, [...nodeCommand(peer), 'source', `${sinkHost.address}:${port}`, keyArg]);
    const line = await source.line(/^\{/, 120_000);
    return JSON.parse(line) as PeerResult;
  } finally {
    sink.kill();
  }
}

/** Runs the suite (see the module comment). */
export async function benchCluster(): Promise<Record<string, unknown>> {
  const reason = netnsUnavailable();
  if (reason !== undefined) return { skipped: reason };
  const dir = mkdtempSync(join(tmpdir(), 'tsrl-bench-cluster-'));
  const keyFile = join(dir, 'cluster.key');
  writeClusterKeyFile(keyFile, generateClusterKey());
  const lab = NetnsLab.create(2);
  try {
    const loadBefore = loadavg()[0];
    const plain = await measure(lab, 'plain');
    const curve = await measure(lab, keyFile);
    return {
      hosts: '2 network namespaces on this machine (veth pairs on a bridge); they share its CPUs',
      plain,
      curve,
      curveOverPlain: {
        smallRoundTrips: curve.smallRoundTripsPerSec / plain.smallRoundTripsPerSec,
        bulk100Mb: (curve.bulk100MbGBps.median ?? 0) / (plain.bulk100MbGBps.median ?? 1),
      },
      notMeasured:
        'cross-node task throughput and PPO sampling across nodes: tasks are not placed on other machines yet',
      loadAverage1m: { before: loadBefore, after: loadavg()[0] },
    };
  } finally {
    lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
