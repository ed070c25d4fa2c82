/**
 * `rl cluster start|status|stop`: a cluster of machines under one head, over ZeroMQ with CURVE. The
 * head keeps the membership (nodes, resources, load) and declares silent nodes dead; see
 * docs/cluster.md. Handlers load their modules lazily so that `rl --help` does not load zeromq.
 */
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { type Command, InvalidArgumentError } from 'commander';
import { parseNonNegativeInt, parsePositiveInt } from '../parse.js';
import { UsageError } from '../usage-error.js';

/** Where `rl cluster` writes. */
export interface ClusterCommandIo {
  stdout: Writable;
  stderr: Writable;
}

interface StartFlags {
  head?: boolean;
  address?: string;
  keyFile?: string;
  port: number;
  bind?: string;
  numCpus?: number;
  numGpus: number;
  resources?: string;
  nodeIp?: string;
  heartbeatMs?: number;
  deadAfterMs?: number;
  driverDeadAfterMs?: number;
  block?: boolean;
}

interface ClientFlags {
  address?: string;
  keyFile?: string;
  json?: boolean;
}

function parseResourcesJson(text: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(
      `expected a JSON object of resource counts, e.g. '{"TPU": 4}', got ${text}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(
      `expected a JSON object of resource counts, e.g. '{"TPU": 4}', got ${text}`,
    );
  }
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(parsed)) {
    if (name === 'CPU' || name === 'GPU') {
      throw new InvalidArgumentError(`set ${name} with --num-${name.toLowerCase()}s, not in --resources`);
    }
    if (!/^[A-Za-z0-9._:-]{1,64}$/.test(name)) {
      throw new InvalidArgumentError(`resource name "${name}" must be 1-64 of A-Z a-z 0-9 . _ : -`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InvalidArgumentError(`resource ${name} must be a number >= 0, got ${JSON.stringify(v)}`);
    }
    out[name] = v;
  }
  return out;
}

/** The arguments that start the same head or node again (the background process gets `--block`). */
function startArgv(f: StartFlags): string[] {
  const out = ['cluster', 'start'];
  const add = (flag: string, v: string | number | undefined): void => {
    if (v !== undefined) out.push(flag, String(v));
  };
  if (f.head === true) out.push('--head');
  add('--address', f.address);
  add('--key-file', f.keyFile);
  add('--port', f.port);
  add('--bind', f.bind);
  add('--num-cpus', f.numCpus);
  add('--num-gpus', f.numGpus);
  add('--resources', f.resources);
  add('--node-ip', f.nodeIp);
  add('--heartbeat-ms', f.heartbeatMs);
  add('--dead-after-ms', f.deadAfterMs);
  add('--driver-dead-after-ms', f.driverDeadAfterMs);
  return out;
}

/** The head address and key a client command uses: flags, then TSRL_ADDRESS, then this machine's head. */
async function clientTarget(flags: ClientFlags) {
  const { parseHostPort } = await import('../../../core/cluster/bind-policy.js');
  const { readClusterKeyFile } = await import('../../../core/cluster/cluster-key.js');
  const { readRecords } = await import('../cluster/cluster-files.js');
  const local = readRecords().find((r) => r.role === 'head');
  const addressText = flags.address ?? process.env['TSRL_ADDRESS'] ?? local?.address;
  const keyFile = flags.keyFile ?? process.env['TSRL_KEY_FILE'] ?? local?.keyFile;
  if (addressText === undefined || keyFile === undefined) {
    throw new UsageError(
      'no cluster head runs on this machine; pass --address HOST:PORT and --key-file F (or set TSRL_ADDRESS and TSRL_KEY_FILE).',
    );
  }
  const what =
    flags.address !== undefined
      ? '--address'
      : process.env['TSRL_ADDRESS'] !== undefined
        ? 'TSRL_ADDRESS'
        : 'head address';
  try {
    return { head: parseHostPort(addressText, what), key: readClusterKeyFile(keyFile) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function registerClusterCommand(program: Command, io: ClusterCommandIo): void {
  const cluster = program
    .command('cluster')
    .description('start, inspect and stop a cluster of machines (a head and the nodes that join it)');
  cluster
    .command('start')
    .description('start a head (--head) or a node joining one (--address and --key-file), in the background')
    .option('--head', 'start the head of a new cluster (creates the cluster key on first start)')
    .option('--address <host:port>', 'the head a node joins, e.g. 10.0.0.1:6380')
    .option(
      '--key-file <path>',
      'node: the cluster key file the head printed (needed to join); head: use this key file',
    )
    .option('--port <n>', 'head: TCP port to listen on (0 picks a free one)', parseNonNegativeInt, 6380)
    .option('--bind <ip>', 'head: address to listen on; 127.0.0.1 unless given (0.0.0.0 for every interface)')
    .option('--num-cpus <n>', 'CPUs this machine offers (default: all it has)', parsePositiveInt)
    .option('--num-gpus <n>', 'GPUs this machine offers', parseNonNegativeInt, 0)
    .option('--resources <json>', 'other resources this machine offers, as JSON, e.g. \'{"TPU": 4}\'')
    .option(
      '--node-ip <ip>',
      'node: the address other machines reach it at (default: the one routing to the head)',
    )
    .option('--heartbeat-ms <n>', 'head: heartbeat interval in ms (default 500)', parsePositiveInt)
    .option(
      '--dead-after-ms <n>',
      'head: declare a node dead after this long without a heartbeat (default 5000)',
      parsePositiveInt,
    )
    .option(
      '--driver-dead-after-ms <n>',
      "head: end a driver's job (stop its actors) after this long without a word from it (default 60000)",
      parsePositiveInt,
    )
    .option('--block', 'stay in the foreground until stopped (SIGINT/SIGTERM or rl cluster stop)')
    .action(async (flags: StartFlags) => {
      if ((flags.head === true) === (flags.address !== undefined)) {
        throw new UsageError(
          'rl cluster start needs either --head, or --address HOST:PORT with --key-file F.',
        );
      }
      if (flags.address !== undefined && flags.keyFile === undefined) {
        throw new UsageError('joining needs the cluster key: --key-file F (the head printed its path).');
      }
      const { parseHostPort, checkPort } = await import('../../../core/cluster/bind-policy.js');
      const { startCluster } = await import('../cluster/start-cluster.js');
      let resources: Record<string, number>;
      let address: ReturnType<typeof parseHostPort> | undefined;
      try {
        resources = {
          CPU: flags.numCpus ?? availableParallelism(),
          ...(flags.numGpus > 0 ? { GPU: flags.numGpus } : {}),
          ...(flags.resources === undefined ? {} : parseResourcesJson(flags.resources)),
        };
        address = flags.address === undefined ? undefined : parseHostPort(flags.address, '--address');
        checkPort(flags.port, '--port', true);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      await startCluster(
        {
          role: flags.head === true ? 'head' : 'node',
          ...(address === undefined ? {} : { address }),
          ...(flags.keyFile === undefined ? {} : { keyFile: flags.keyFile }),
          port: flags.port,
          ...(flags.bind === undefined ? {} : { bind: flags.bind }),
          resources,
          ...(flags.nodeIp === undefined ? {} : { nodeIp: flags.nodeIp }),
          ...(flags.heartbeatMs === undefined ? {} : { heartbeatMs: flags.heartbeatMs }),
          ...(flags.deadAfterMs === undefined ? {} : { deadAfterMs: flags.deadAfterMs }),
          ...(flags.driverDeadAfterMs === undefined ? {} : { driverDeadAfterMs: flags.driverDeadAfterMs }),
          block: flags.block === true,
        },
        startArgv(flags),
        io,
      );
    });
  cluster
    .command('keygen')
    .description('write a new cluster key file (owner-only), e.g. to store as a Kubernetes Secret')
    .argument('<path>', 'where to write it (must not exist)')
    .action(async (path: string) => {
      const { existsSync } = await import('node:fs');
      if (existsSync(path)) throw new UsageError(`${path} exists; choose another path or delete it first.`);
      const { generateClusterKey, writeClusterKeyFile } = await import(
        '../../../core/cluster/cluster-key.js'
      );
      writeClusterKeyFile(path, generateClusterKey());
      io.stdout.write(`wrote a cluster key to ${path} (mode 600): whoever holds it can join the cluster\n`);
    });
  cluster
    .command('status')
    .description('show the nodes: state, resources, last heartbeat, and why a dead node died')
    .option('--address <host:port>', 'the head (default: TSRL_ADDRESS, or the head on this machine)')
    .option('--key-file <path>', "the cluster key file (default: TSRL_KEY_FILE, or this machine's head key)")
    .option('--json', 'print the status as JSON')
    .action(async (flags: ClientFlags) => {
      const target = await clientTarget(flags);
      const { fetchClusterStatus } = await import('../../../core/cluster/head-request.js');
      const status = await fetchClusterStatus(target.head, target.key);
      if (flags.json === true) io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      else io.stdout.write((await import('../cluster/show-status.js')).formatStatus(status));
    });
  cluster
    .command('stop')
    .description('stop the head (and every node it knows) and the nodes started on this machine')
    .action(async () => {
      const { stopCluster } = await import('../cluster/stop-cluster.js');
      await stopCluster(io.stdout);
    });
}
