/**
 * Test helper: starts an env server in a child process (the Python server or the TS fixture), waits
 * for its `... on <endpoint>` line, and kills it on demand. Every started process is tracked so that
 * `killAll()` in afterAll never leaves one running.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EnvServer, serveVectorEnv } from '../../../envs/remote/env-server.js';
import { type CounterFault, CounterVectorEnv } from './fixtures/counter-vector-env.js';

export const REPO = resolve(import.meta.dirname, '../../..');
export const PYTHON = '/usr/bin/python3';
export const PYTHON_SERVER = join(REPO, 'envs/python/tsrl_env_server.py');
export const FIXTURES = join(REPO, 'test/envs/remote/fixtures');

/** Why the Python tests must be skipped, or undefined when python3 has zmq, msgpack and numpy. */
export function pythonMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import zmq, msgpack, numpy'], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `${PYTHON} lacks zmq, msgpack or numpy (apt-get install python3-zmq python3-msgpack python3-numpy): ${(error as Error).message.split('\n')[0]}`;
  }
}

/** A fresh ipc address under the OS temp dir, or a tcp address whose port the server picks. */
export function freshAddress(transport: 'ipc' | 'tcp'): string {
  return transport === 'ipc'
    ? `ipc://${join(tmpdir(), `tsrl-env-${process.pid}-${randomBytes(4).toString('hex')}.sock`)}`
    : 'tcp://127.0.0.1:*';
}

const live = new Set<ChildProcess>();
const inProcess = new Set<EnvServer>();

/** A server under test: a child process, or serveVectorEnv in this process. */
export interface ServerProcess {
  /** The bound endpoint, with the real port. */
  address: string;
  child?: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** SIGKILLs the process and waits for it to end. */
  kill(): Promise<void>;
}

/** Starts `command args` (with `env`) and waits (up to 20 s) for its `on <endpoint>` line. */
export async function startServer(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO, env });
  live.add(child);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  void exited.then(() => live.delete(child));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += String(d);
  });
  const address = await new Promise<string>((ok, fail) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error(`server did not start in 20 s: ${stderr}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      stdout += String(d);
      const match = / on (\S+)\n/.exec(stdout);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        ok(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with ${String(code)} before serving: ${stderr}`));
    });
  });
  return {
    address,
    child,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The Python server over a Counter (test/envs/remote/fixtures/faulty_envs.py). */
export function startPythonCounter(address: string, fault = 'none', numEnvs = 2): Promise<ServerProcess> {
  return startServer(PYTHON, [
    PYTHON_SERVER,
    '--env',
    join(FIXTURES, 'faulty_envs.py:Counter'),
    '--env-kwargs',
    JSON.stringify({ fault }),
    '--address',
    address,
    '--num-envs',
    String(numEnvs),
  ]);
}

/** The TS server (serveVectorEnv, a CounterVectorEnv per client), in its own Node process. */
export function startTsCounter(address: string, fault = 'none', numEnvs = 2): Promise<ServerProcess> {
  return startServer(process.execPath, [
    '--import',
    'tsx',
    join(FIXTURES, 'serve-counter.ts'),
    address,
    String(numEnvs),
    fault,
  ]);
}

/** The TS server (serveVectorEnv, a CounterVectorEnv per client) in this process; `kill()` closes it. */
export async function startInProcessCounter(
  address: string,
  fault = 'none',
  numEnvs = 2,
): Promise<ServerProcess> {
  const server = await serveVectorEnv(async (n) => new CounterVectorEnv(n, fault as CounterFault), address, {
    numEnvs,
  });
  inProcess.add(server);
  const exited = server.done.then(() => {
    inProcess.delete(server);
    return 0;
  });
  return { address: server.address, exited, kill: () => server.close() };
}

/** Stops every server started by this test file that is still running (SIGKILL for processes). */
export async function killAll(): Promise<void> {
  await Promise.all([...inProcess].map((server) => server.close()));
  await Promise.all(
    [...live].map(async (child) => {
      child.kill('SIGKILL');
      await new Promise((done) =>
        child.exitCode !== null || child.signalCode !== null ? done(null) : child.once('exit', done),
      );
    }),
  );
}
