/**
 * The processes of `rl bench cluster`'s job measurements, one per namespaced host, plain or CURVE:
 *   head BIND KEY_FILE|plain                       prints `listening PORT`; a head with no node of its own
 *   node HEAD:PORT KEY_FILE|plain NODE_IP CPUS DIR prints `joined`; runs the work drivers send it
 *   driver HEAD:PORT KEY_FILE|plain DIR work       prints one JSON line: task throughput, 100 MB GB/s
 *   driver HEAD:PORT KEY_FILE|plain DIR sampling   prints one JSON line: PPO sampling with 2 runner actors
 * A head or node exits 0 on SIGTERM. Work runs on the nodes only (the head offers no resources), so
 * every task and every transfer crosses from the driver's host to another.
 */
import { join } from 'node:path';
import { parseHostPort } from '../core/cluster/bind-policy.js';
import { type ClusterKey, readClusterKeyFile } from '../core/cluster/cluster-key.js';
import { PackageCache } from '../core/cluster/code-package.js';
import { Head } from '../core/cluster/head.js';
import { ensurePackage, fetchClusterStatus } from '../core/cluster/head-request.js';
import { packJobMessage } from '../core/cluster/job-protocol.js';
import { JobRunner } from '../core/cluster/job-runner.js';
import { NodeAgent } from '../core/cluster/node-agent.js';
import { get, init, put, shutdown } from '../core/index.js';
import { setLogLevel } from '../core/logger.js';
import { countBytes, echoNumber, makeBytes } from './cluster-tasks.js';
import { benchSampling } from './sampling.js';

const BULK_BYTES = 100 * 1024 * 1024;
const TASKS_PER_ROUND = 1000;

function onSigterm(stop: () => Promise<void>): void {
  process.once('SIGTERM', () => {
    void stop().finally(() => process.exit(0));
  });
}

async function runHead(bind: string, key: ClusterKey | undefined): Promise<void> {
  const head = await Head.start({ bind, port: 0, key, allowPlain: key === undefined });
  process.stdout.write(`listening ${head.address.port}\n`);
  onSigterm(async () => head.close());
}

async function runNode(
  address: string,
  key: ClusterKey | undefined,
  nodeIp: string,
  cpus: number,
  dir: string,
): Promise<void> {
  const head = parseHostPort(address, 'head address');
  const cache = new PackageCache(join(dir, 'packages'));
  const nodeId = `bench-node-${nodeIp}-${process.pid}`;
  let agentRef: NodeAgent | undefined;
  const runner = new JobRunner({
    resources: { CPU: cpus },
    fetchPackage: (hash) => ensurePackage(head, key, hash, cache),
    send: (driverId, message) => agentRef?.sendToDriver(driverId, packJobMessage(message)),
  });
  const agent = NodeAgent.start({
    head,
    key,
    node: { nodeId, host: nodeIp, pid: process.pid, resources: { CPU: cpus } },
    load: () => runner.load(),
    jobs: runner,
  });
  agentRef = agent;
  while (!agent.isRegistered) await new Promise((r) => setTimeout(r, 50));
  process.stdout.write('joined\n');
  onSigterm(async () => {
    await runner.shutdown();
    await agent.leave();
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Tasks per second (3 rounds of 1000, all in flight) and 100 MB each way in GB/s (3 each). */
async function measureWork(): Promise<Record<string, unknown>> {
  await get(Array.from({ length: 64 }, (_, i) => echoNumber.remote(i))); // workers started
  const taskRates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    const out = await get(Array.from({ length: TASKS_PER_ROUND }, (_, i) => echoNumber.remote(i)));
    if (out[TASKS_PER_ROUND - 1] !== TASKS_PER_ROUND - 1) throw new Error('a task returned a wrong value');
    taskRates.push(TASKS_PER_ROUND / ((performance.now() - t0) / 1000));
  }
  const toNode: number[] = [];
  const fromNode: number[] = [];
  for (let i = 0; i < 3; i++) {
    const bytes = put(new Uint8Array(BULK_BYTES).fill(1));
    let t0 = performance.now();
    const n = await get(countBytes.remote(bytes));
    if (n !== BULK_BYTES) throw new Error(`the node received ${n} bytes`);
    toNode.push(BULK_BYTES / 1e9 / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    const back = await get(makeBytes.remote(BULK_BYTES));
    if (back.byteLength !== BULK_BYTES) throw new Error(`the driver received ${back.byteLength} bytes`);
    fromNode.push(BULK_BYTES / 1e9 / ((performance.now() - t0) / 1000));
  }
  return {
    tasksPerSec: { median: median(taskRates), best: Math.max(...taskRates) },
    bulk100MbToNodeGBps: { median: median(toNode), best: Math.max(...toNode) },
    bulk100MbFromNodeGBps: { median: median(fromNode), best: Math.max(...fromNode) },
  };
}

/** PPO sampling with 2 runner actors, and how many actors each node held while it ran. */
async function measureSampling(
  address: string,
  key: ClusterKey | undefined,
): Promise<Record<string, unknown>> {
  let actorsPerNode: Record<string, number> = {};
  const [row] = await benchSampling({
    runnerCounts: [2],
    measureMs: 3000,
    afterWarmUp: async () => {
      const status = await fetchClusterStatus(parseHostPort(address, 'head address'), key);
      actorsPerNode = Object.fromEntries(
        status.nodes.filter((n) => n.state === 'alive').map((n) => [n.host, n.load.numActors]),
      );
    },
  });
  return { envStepsPerS: row?.envStepsPerS ?? 0, actorsPerNode };
}

async function runDriver(
  address: string,
  keyFile: string | undefined,
  key: ClusterKey | undefined,
  dir: string,
  what: string,
): Promise<void> {
  await init({ address, workingDir: dir, ...(keyFile === undefined ? {} : { keyFile }) });
  try {
    const result = what === 'sampling' ? await measureSampling(address, key) : await measureWork();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await shutdown();
  }
}

setLogLevel('warn');
const [mode, where, keyArg, ...rest] = process.argv.slice(2);
const keyFile = keyArg === 'plain' || keyArg === undefined ? undefined : keyArg;
const key = keyFile === undefined ? undefined : readClusterKeyFile(keyFile);
if (mode === 'head') await runHead(where ?? '', key);
else if (mode === 'node') await runNode(where ?? '', key, rest[0] ?? '', Number(rest[1]), rest[2] ?? '');
else if (mode === 'driver') await runDriver(where ?? '', keyFile, key, rest[0] ?? '', rest[1] ?? '');
else throw new Error(`usage: cluster-jobs-peer head|node|driver ... (got ${mode}); see the module comment`);
