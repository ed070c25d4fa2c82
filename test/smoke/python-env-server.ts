/**
 * Starts envs/python/tsrl_env_server.py for a test and stops it afterwards. Needs a python3 with pyzmq,
 * msgpack and numpy; {@link findPython} says which one has them (or why none does).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER_SCRIPT = fileURLToPath(new URL('../../envs/python/tsrl_env_server.py', import.meta.url));
/** Debian's python3 first: a pyenv shim earlier on PATH may lack the Debian packages. */
const CANDIDATES = ['/usr/bin/python3', 'python3'];

/** The first python3 that imports zmq, msgpack and numpy, or the reason none does. */
export function findPython(): { python: string } | { reason: string } {
  const failures: string[] = [];
  for (const python of CANDIDATES) {
    const probe = spawnSync(python, ['-c', 'import zmq, msgpack, numpy'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (probe.status === 0) return { python };
    const last = (probe.stderr ?? '').trim().split('\n').pop() ?? '';
    failures.push(`${python}: ${probe.error?.message ?? last}`);
  }
  return { reason: `no python3 with pyzmq, msgpack and numpy (${failures.join('; ')})` };
}

/** A running server; `stop()` ends it (SIGTERM, then SIGKILL after 3 s) and waits for the exit. */
export interface PythonEnvServer {
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * Starts the server for `env` (`path/file.py:Class`) on `address` with `numEnvs` envs and waits for its
 * "serving" line.
 * @throws Error with the server's output when it exits or is silent for `startTimeoutMs`.
 */
export async function startPythonEnvServer(options: {
  python: string;
  env: string;
  address: string;
  numEnvs: number;
  startTimeoutMs?: number;
}): Promise<PythonEnvServer> {
  const args = [SERVER_SCRIPT, '--env', options.env, '--address', options.address];
  const child = spawn(options.python, [...args, '--num-envs', String(options.numEnvs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      fail(new Error(`the Python env server did not start in ${options.startTimeoutMs ?? 15_000} ms`));
    }, options.startTimeoutMs ?? 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('serving')) {
        clearTimeout(timer);
        resolve();
      }
    };
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}; its output:\n${output}`));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`the Python env server exited with code ${code}`)));
    child.once('error', (error) => fail(error));
  });
  return { address: options.address, stop: () => stopChild(child, exited) };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}
