/**
 * `rl cluster start`: a head (`--head`) or a node joining one (`--address --key-file`). With `--block`
 * the process runs in the foreground until stopped (SIGINT/SIGTERM, or `rl cluster stop`); without it
 * the command starts itself with `--block` in the background, waits until the head listens or the node
 * has registered, prints what to do next, and returns.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { type HostPort, isLoopback } from '../../../core/cluster/bind-policy.js';
import {
  generateClusterKey,
  readClusterKeyFile,
  writeClusterKeyFile,
} from '../../../core/cluster/cluster-key.js';
import { PackageCache } from '../../../core/cluster/code-package.js';
import { formatResources, Head } from '../../../core/cluster/head.js';
import { ensurePackage } from '../../../core/cluster/head-request.js';
import { packJobMessage } from '../../../core/cluster/job-protocol.js';
import { JobRunner } from '../../../core/cluster/job-runner.js';
import { NodeAgent } from '../../../core/cluster/node-agent.js';
import type { Resources } from '../../../core/cluster/protocol.js';
import { PACKAGE_ROOT } from '../../version.js';
import { clusterDir, headKeyPath, isAlive, readRecords, removeRecord, writeRecord } from './cluster-files.js';
import { firstExternalIPv4, localAddressTowards } from './node-address.js';

/** Resolved options of `rl cluster start`. */
export interface StartOptions {
  readonly role: 'head' | 'node';
  /** Node: the head to join. */
  readonly address?: HostPort;
  /** Node: the cluster key file; head: a key file to use instead of the state directory's. */
  readonly keyFile?: string;
  /** Head: port and listen address. */
  readonly port: number;
  readonly bind?: string;
  readonly resources: Resources;
  /** Node: the address it advertises; default the local address that routes to the head. */
  readonly nodeIp?: string;
  readonly heartbeatMs?: number;
  readonly deadAfterMs?: number;
  readonly driverDeadAfterMs?: number;
  readonly block: boolean;
}

/** Where the command writes. */
export interface StartIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** Where a machine keeps unpacked code packages, one folder per hash. */
function packageCache(): PackageCache {
  return new PackageCache(join(clusterDir(), 'packages'));
}

function nodeIdFor(role: 'head' | 'node'): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9.-]/g, '-')
    .slice(0, 40);
  return `${role}-${host}-${process.pid}`;
}

function waitForSignal(): { promise: Promise<string>; dispose: () => void } {
  let resolve!: (s: string) => void;
  const promise = new Promise<string>((r) => {
    resolve = r;
  });
  const on = (signal: NodeJS.Signals) => () => resolve(signal);
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return {
    promise,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

function refuseSecondHead(): void {
  const running = readRecords().find((r) => r.role === 'head' && isAlive(r.pid) && r.pid !== process.pid);
  if (running !== undefined) {
    throw new Error(
      `a head already runs on this machine (pid ${running.pid}, ${running.address}); rl cluster stop first`,
    );
  }
}

async function runHead(opts: StartOptions, io: StartIo): Promise<void> {
  refuseSecondHead();
  // A given key file (e.g. a Kubernetes Secret) is used as is; otherwise the state directory's,
  // created on first start and reused across head restarts so that nodes holding it reconnect.
  const keyFile = opts.keyFile ?? headKeyPath();
  const key =
    existsSync(keyFile) || opts.keyFile !== undefined ? readClusterKeyFile(keyFile) : generateClusterKey();
  if (!existsSync(keyFile)) writeClusterKeyFile(keyFile, key);
  const bindHost = opts.bind ?? '127.0.0.1';
  const advertised =
    bindHost === '0.0.0.0' || bindHost === '::' ? (firstExternalIPv4() ?? '127.0.0.1') : bindHost;
  const nodeId = nodeIdFor('head');
  const cache = packageCache();
  let headRef: Head | undefined;
  const runner = new JobRunner({
    resources: opts.resources,
    fetchPackage: async (hash) => {
      const bytes = headRef?.packageBytes(hash);
      if (bytes === undefined) throw new Error(`the head holds no package ${hash}`);
      return cache.lookup(hash) ?? cache.store(hash, bytes);
    },
    send: (driverId, message) => headRef?.toDriver(driverId, nodeId, [packJobMessage(message)]),
  });
  const head = await Head.start({
    bind: opts.bind,
    port: opts.port,
    key,
    localNode: { nodeId, host: advertised, pid: process.pid, resources: opts.resources },
    localJobs: runner,
    ...(opts.heartbeatMs === undefined ? {} : { heartbeatMs: opts.heartbeatMs }),
    ...(opts.deadAfterMs === undefined ? {} : { deadAfterMs: opts.deadAfterMs }),
    ...(opts.driverDeadAfterMs === undefined ? {} : { driverDeadAfterMs: opts.driverDeadAfterMs }),
  });
  headRef = head;
  const address = `${advertised.includes(':') ? `[${advertised}]` : advertised}:${head.address.port}`;
  writeRecord({ role: 'head', pid: process.pid, address, keyFile, nodeId });
  io.stdout.write(
    [
      `cluster head listening on ${address} (CURVE), resources: ${formatResources(opts.resources)}`,
      `key file: ${keyFile} (copy it owner-only to each machine that joins; whoever holds it can join)`,
      isLoopback(advertised)
        ? "bound to loopback: only this machine can join (use --bind <this machine's IP> or 0.0.0.0 for others)"
        : `join a node from another machine:`,
      `  rl cluster start --address ${address} --key-file ${keyFile}`,
      'inspect: rl cluster status    stop: rl cluster stop',
      '',
    ].join('\n'),
  );
  const signal = waitForSignal();
  let stopRequested!: () => void;
  const stopped = new Promise<string>((r) => {
    stopRequested = () => r('stop');
  });
  head.onStopRequested(stopRequested);
  const why = await Promise.race([signal.promise, stopped]);
  signal.dispose();
  head.close();
  await runner.shutdown();
  removeRecord('head', process.pid);
  io.stderr.write(`cluster head stopped (${why})\n`);
}

async function runNode(opts: StartOptions, io: StartIo): Promise<void> {
  const head = opts.address;
  if (head === undefined || opts.keyFile === undefined)
    throw new Error('internal: node without --address/--key-file');
  const key = readClusterKeyFile(opts.keyFile);
  const host = opts.nodeIp ?? (await localAddressTowards(head.host));
  const nodeId = nodeIdFor('node');
  const cache = packageCache();
  let agentRef: NodeAgent | undefined;
  const runner = new JobRunner({
    resources: opts.resources,
    fetchPackage: (hash) => ensurePackage(head, key, hash, cache),
    send: (driverId, message) => agentRef?.sendToDriver(driverId, packJobMessage(message)),
  });
  const agent = NodeAgent.start({
    head,
    key,
    node: { nodeId, host, pid: process.pid, resources: opts.resources },
    load: () => runner.load(),
    jobs: runner,
  });
  agentRef = agent;
  const headText = `${head.host}:${head.port}`;
  const signal = waitForSignal();
  const registered = (async () => {
    while (!agent.isRegistered) await new Promise((r) => setTimeout(r, 50));
  })();
  const first = await Promise.race([
    registered.then(() => 'registered' as const),
    agent.ended,
    signal.promise,
  ]);
  if (first === 'registered') {
    writeRecord({ role: 'node', pid: process.pid, address: headText, keyFile: opts.keyFile, nodeId });
    io.stdout.write(
      `node ${nodeId} (${host}, ${formatResources(opts.resources)}) joined the cluster at ${headText}\n`,
    );
  }
  const end = typeof first === 'object' ? first : await Promise.race([agent.ended, signal.promise]);
  signal.dispose();
  removeRecord('node', process.pid);
  await runner.shutdown();
  if (typeof end === 'string') {
    await agent.leave();
    io.stderr.write(`node ${nodeId} left the cluster (${end})\n`);
    return;
  }
  if (end.reason === 'head-lost') throw end.error;
  io.stderr.write(`node ${nodeId} stopped by the head\n`);
}

const READY_TIMEOUT_MS = 30_000;

/** Starts this command again with --block in the background and waits for its record. */
async function daemonize(opts: StartOptions, argv: readonly string[], io: StartIo): Promise<void> {
  const logFile = join(clusterDir(), `${opts.role}-${Date.now()}.log`);
  const fd = openSync(logFile, 'a', 0o600);
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'rl.js'), ...argv, '--block'], {
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.unref();
  const pid = child.pid ?? -1;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const record = readRecords().find((r) => r.pid === pid);
    if (record !== undefined) {
      io.stdout.write(readFileSync(logFile, 'utf8'));
      io.stdout.write(`(running in the background as pid ${pid}; log: ${logFile})\n`);
      return;
    }
    if (exited || Date.now() > deadline) {
      if (!exited) process.kill(pid, 'SIGTERM');
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(
        `the ${opts.role} ${exited ? 'exited' : `was not ready within ${READY_TIMEOUT_MS / 1000} s and was stopped`}; ` +
          `log ${logFile}:\n${tail}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `rl cluster start`; `argv` is the command's own arguments (to start itself in the background). */
export async function startCluster(opts: StartOptions, argv: readonly string[], io: StartIo): Promise<void> {
  if (!opts.block) {
    // The checks that need no network, in the foreground, so their errors print here.
    if (opts.keyFile !== undefined) readClusterKeyFile(opts.keyFile);
    if (opts.role === 'head') refuseSecondHead();
    return daemonize(opts, argv, io);
  }
  return opts.role === 'head' ? runHead(opts, io) : runNode(opts, io);
}
