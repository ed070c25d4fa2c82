/**
 * Remote env benchmark: CartPole-v1 steps/s through ZmqVectorEnv over ipc and tcp, served by the
 * TypeScript server (serveEnv in its own Node process) and by the Python server
 * (envs/python/tsrl_env_server.py with examples/python-env/cartpole.py), at 1, 16 and 64 envs per
 * message; plus each server's own local speed for comparison (the Python vector loop in-process, the
 * TS SyncVectorEnv in-process). Steps/s count env steps (numEnvs per message), medians of 5 trials.
 * Shared, noisy machine: compare numbers from the same run only.
 *
 * Run: `npx tsx -e "import('./bench/envs-remote.ts').then(async m => console.log(JSON.stringify(await m.benchEnvsRemote(), null, 2)))"`
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dealer, Router } from 'zeromq';
import { CartPoleEnv } from '../envs/builtin/cartpole.js';
import { serveEnv } from '../envs/remote/serve-env.js';
import { SyncVectorEnv } from '../envs/vector/sync-vector-env.js';
import {
  BATCHES,
  freshAddress,
  medianRate,
  PYTHON,
  PYTHON_SERVER,
  pythonImports,
  REPO,
  servedStepsPerSecond,
  stepsPerSecond,
} from './env-server-timing.js';

const TRANSPORTS = ['ipc', 'tcp'] as const;
const CARTPOLE_PY = join(REPO, 'examples/python-env/cartpole.py:CartPole');

type Transport = (typeof TRANSPORTS)[number];

function remote(server: 'ts' | 'python', transport: Transport, numEnvs: number): Promise<number> {
  const [command, args] =
    server === 'python'
      ? [
          PYTHON,
          [
            PYTHON_SERVER,
            '--env',
            CARTPOLE_PY,
            '--address',
            freshAddress(transport),
            '--num-envs',
            String(numEnvs),
          ],
        ]
      : [
          process.execPath,
          [
            '--import',
            'tsx',
            fileURLToPath(import.meta.url),
            'serve',
            freshAddress(transport),
            String(numEnvs),
          ],
        ];
  return servedStepsPerSecond(command, args, { timeoutMs: 10_000, connectTimeoutMs: 20_000 });
}

/** Round trips/s of a bare DEALER -> ROUTER echo of a 100-byte message in this process: the floor. */
async function zmqFloor(transport: Transport): Promise<number> {
  const router = new Router({ linger: 0 });
  await router.bind(freshAddress(transport));
  const dealer = new Dealer({ linger: 0 });
  dealer.connect(router.lastEndpoint ?? '');
  void (async () => {
    try {
      for await (const [peer, ...frames] of router)
        if (peer !== undefined) await router.send([peer, ...frames]);
    } catch {
      // closed
    }
  })();
  const message = Buffer.alloc(100);
  const roundTrip = async (): Promise<void> => {
    await dealer.send(message);
    await dealer.receive();
  };
  for (let i = 0; i < 100; i++) await roundTrip();
  const rate = await medianRate(roundTrip, 1);
  dealer.close();
  router.close();
  return rate;
}

function pythonLocal(numEnvs: number): number {
  const out = execFileSync(
    PYTHON,
    [
      PYTHON_SERVER,
      '--env',
      CARTPOLE_PY,
      '--num-envs',
      String(numEnvs),
      '--bench-local',
      String(Math.max(20_000, numEnvs * 2000)),
    ],
    { encoding: 'utf8' },
  );
  return Math.round((JSON.parse(out) as { stepsPerSecond: number }).stepsPerSecond);
}

/** Runs the benchmark; returns steps/s by server, transport and envs per message. */
export async function benchEnvsRemote(): Promise<Record<string, unknown>> {
  const python = pythonImports('zmq, msgpack, numpy');
  const result: Record<string, unknown> = { env: 'CartPole-v1', unit: 'env steps/s', batches: [...BATCHES] };
  const tsLocal: Record<string, number> = {};
  for (const n of BATCHES) {
    tsLocal[n] = await stepsPerSecond(
      new SyncVectorEnv(Array.from({ length: n }, () => () => new CartPoleEnv())),
    );
  }
  result['tsLocal'] = tsLocal;
  result['zmqFloorRoundTripsPerSecond'] = { ipc: await zmqFloor('ipc'), tcp: await zmqFloor('tcp') };
  for (const server of ['ts', 'python'] as const) {
    if (server === 'python' && !python) {
      result['python'] = `skipped: ${PYTHON} lacks zmq, msgpack or numpy`;
      continue;
    }
    const byTransport: Record<string, Record<string, number>> = {};
    for (const transport of TRANSPORTS) {
      byTransport[transport] = {};
      for (const n of BATCHES) byTransport[transport][n] = await remote(server, transport, n);
    }
    result[server === 'ts' ? 'tsRemote' : 'pythonRemote'] = byTransport;
  }
  if (python) {
    const local: Record<string, number> = {};
    for (const n of BATCHES) local[n] = pythonLocal(n);
    result['pythonLocal'] = local;
    const remote64 = (result['pythonRemote'] as Record<string, Record<string, number>>)['ipc']?.['64'] ?? 0;
    // The target: the remote path keeps more than half of the Python server's own speed at batch 64.
    result['pythonRemoteOverLocalAt64Ipc'] = Math.round((remote64 / (local['64'] ?? 1)) * 100) / 100;
  }
  return result;
}

// `node --import tsx bench/envs-remote.ts serve <address> <numEnvs>`: the TS server process of the benchmark.
if (
  process.argv[1] !== undefined &&
  resolve(process.argv[1]) === fileURLToPath(import.meta.url) &&
  process.argv[2] === 'serve'
) {
  const server = await serveEnv({
    envFactory: () => new CartPoleEnv(),
    address: process.argv[3] ?? 'tcp://127.0.0.1:*',
    numEnvs: Number(process.argv[4] ?? 1),
  });
  process.stdout.write(`serving on ${server.address}\n`);
  await server.done;
}
