/**
 * `rl bench cluster`: a cluster across hosts made of network namespaces on this machine
 * (bench/netns-lab.ts; needs root), measured in the same run:
 * - transport: the cluster's sockets between two hosts, plain ZeroMQ against CURVE with the cluster
 *   key: small-message round trips per second (64 in flight) and 100 MB transfer GB/s;
 * - jobs: a driver and a head on host 0, nodes on hosts 1 and 2 (the head runs no work), plain and
 *   CURVE: tasks per second (1000 in flight) and 100 MB to and from a node in GB/s, relayed by the head;
 * - PPO sampling (CURVE): two env-runner actors on one node, then on two nodes, and the ratio.
 * The hosts share this machine's CPUs, so the figures are the runtime's costs, not a network's speed,
 * and two nodes gain only what idle cores allow. Returns `{ skipped }` with the reason where namespaces
 * cannot be made.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateClusterKey, writeClusterKeyFile } from '../core/cluster/cluster-key.js';
import { type LabProcess, NetnsLab, netnsUnavailable, nodeCommand } from './netns-lab.js';

interface PeerResult {
  smallRoundTripsPerSec: number;
  bulk100MbGBps: { median: number; best: number };
}

const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const peer = new URL(`./cluster-peer.${ext}`, import.meta.url);
const jobsPeer = new URL(`./cluster-jobs-peer.${ext}`, import.meta.url);

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

/** A head on host 0 and nodes on the given hosts (2 CPUs each), plain or CURVE; `stop` ends them. */
async function startCluster(
  lab: NetnsLab,
  keyArg: string,
  dir: string,
  nodeHosts: readonly number[],
): Promise<{ address: string; addNode: (host: number) => Promise<void>; stop: () => Promise<void> }> {
  const headHost = lab.hosts[0];
  if (headHost === undefined) throw new Error('internal: the lab has no hosts');
  const procs: LabProcess[] = [];
  const head = lab.run(0, [...nodeCommand(jobsPeer), 'head', headHost.address, keyArg]);
  procs.push(head);
  const address = `${headHost.address}:${(await head.line(/^listening \d+$/)).split(' ')[1]}`;
  const addNode = async (host: number): Promise<void> => {
    const ip = lab.hosts[host]?.address ?? '';
    const node = lab.run(host, [
      ...nodeCommand(jobsPeer),
      'node',
      address,
      keyArg,
      ip,
      '2',
      join(dir, `h${host}`),
    ]);
    procs.push(node);
    await node.line(/^joined$/, 60_000);
  };
  for (const h of nodeHosts) await addNode(h);
  const stop = async (): Promise<void> => {
    for (const p of procs.reverse()) {
      p.kill();
      await p.exited;
    }
  };
  return { address, addNode, stop };
}

/** Runs a driver on host 0 and returns its JSON line. */
async function drive(
  lab: NetnsLab,
  address: string,
  keyArg: string,
  dir: string,
  what: 'work' | 'sampling',
): Promise<Record<string, unknown>> {
  const driver = lab.run(0, [...nodeCommand(jobsPeer), 'driver', address, keyArg, dir, what]);
  try {
    return JSON.parse(await driver.line(/^\{/, 300_000)) as Record<string, unknown>;
  } finally {
    await Promise.race([driver.exited, new Promise((r) => setTimeout(r, 10_000))]);
    driver.kill('SIGKILL');
  }
}

/** Task throughput and 100 MB transfers across hosts, and PPO sampling on 1 then 2 nodes (CURVE). */
async function measureJobs(lab: NetnsLab, keyFile: string, dir: string): Promise<Record<string, unknown>> {
  const jobDir = join(dir, 'job'); // the driver's working directory: an empty package
  mkdirSync(jobDir);
  const plainCluster = await startCluster(lab, 'plain', join(dir, 'plain'), [1, 2]);
  let plain: Record<string, unknown>;
  try {
    plain = await drive(lab, plainCluster.address, 'plain', jobDir, 'work');
  } finally {
    await plainCluster.stop();
  }
  const curveCluster = await startCluster(lab, keyFile, join(dir, 'curve'), [1]);
  try {
    const oneNode = await drive(lab, curveCluster.address, keyFile, jobDir, 'sampling');
    await curveCluster.addNode(2);
    const curve = await drive(lab, curveCluster.address, keyFile, jobDir, 'work');
    const twoNodes = await drive(lab, curveCluster.address, keyFile, jobDir, 'sampling');
    const rate = (r: Record<string, unknown>): number => Number(r['envStepsPerS']);
    return {
      tasksAndTransfers: { plain, curve },
      ppoSampling2Runners: { oneNode, twoNodes, twoNodesOverOne: rate(twoNodes) / rate(oneNode) },
    };
  } finally {
    await curveCluster.stop();
  }
}

/** Runs the suite (see the module comment). */
export async function benchCluster(): Promise<Record<string, unknown>> {
  const reason = netnsUnavailable();
  if (reason !== undefined) return { skipped: reason };
  const dir = mkdtempSync(join(tmpdir(), 'tsrl-bench-cluster-'));
  const keyFile = join(dir, 'cluster.key');
  writeClusterKeyFile(keyFile, generateClusterKey());
  const lab = NetnsLab.create(3);
  try {
    const loadBefore = loadavg()[0];
    const plain = await measure(lab, 'plain');
    const curve = await measure(lab, keyFile);
    const jobs = await measureJobs(lab, keyFile, dir);
    return {
      hosts: `3 network namespaces on this machine (veth pairs on a bridge); they share its ${cpus().length} CPUs`,
      transport: {
        plain,
        curve,
        curveOverPlain: {
          smallRoundTrips: curve.smallRoundTripsPerSec / plain.smallRoundTripsPerSec,
          bulk100Mb: (curve.bulk100MbGBps.median ?? 0) / (plain.bulk100MbGBps.median ?? 1),
        },
      },
      ...jobs,
      loadAverage1m: { before: loadBefore, after: loadavg()[0] },
    };
  } finally {
    lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
