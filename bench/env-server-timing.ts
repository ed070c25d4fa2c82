/**
 * What the remote-env benchmarks share (bench/envs-remote.ts, bench/envs-python-stepping.ts): the
 * median rate of a repeated async call, env steps/s of a vector env, fresh addresses, and env server
 * processes started, measured through a ZmqVectorEnv and killed. Medians of 5 trials of 200 ms.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZmqVectorEnv } from '../envs/remote/zmq-vector-env.js';
import type { VectorEnv } from '../envs/vector/vector-env.js';
import { PACKAGE_ROOT } from '../rl/version.js';

/** The package root: the .py server and examples are found from the sources and from dist/ alike. */
export const REPO = PACKAGE_ROOT;
/** Debian's Python: the one CI installs pyzmq, msgpack and numpy for. */
export const PYTHON = '/usr/bin/python3';
export const PYTHON_SERVER = join(REPO, 'envs/python/tsrl_env_server.py');
/** Envs per message the benchmarks measure. */
export const BATCHES = [1, 16, 64] as const;
const TRIALS = 5;
const TRIAL_MS = 200;

/** Whether {@link PYTHON} imports `modules` (e.g. `'zmq, msgpack, numpy'`). */
export function pythonImports(modules: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The median over TRIALS trials of about TRIAL_MS each of `units` per second, where each call of
 * `call(k)` (k counts calls within a trial) does `units` of work.
 */
export async function medianRate(call: (k: number) => Promise<unknown>, units: number): Promise<number> {
  const samples: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < TRIAL_MS) await call(calls++);
    samples.push((calls * units * 1000) / (performance.now() - start));
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(TRIALS / 2)] ?? 0);
}

/** Median env steps/s of a vector env with Discrete(2) actions, after `warmup` steps. */
export async function stepsPerSecond(env: VectorEnv<number>, warmup = 50): Promise<number> {
  await env.reset({ seed: 0 });
  const n = env.numEnvs;
  const batches = Array.from({ length: 64 }, (_, k) =>
    Array.from({ length: n }, (_, i) => ((k * 7 + i * 3) >> 1) % 2),
  );
  for (let k = 0; k < warmup; k++) await env.step(batches[k % 64] ?? []);
  return medianRate((k) => env.step(batches[k % 64] ?? []), n);
}

/** A fresh ipc:// address under the OS temp dir, or a tcp one whose port the server picks. */
export function freshAddress(transport: 'ipc' | 'tcp'): string {
  return transport === 'ipc'
    ? `ipc://${join(tmpdir(), `tsrl-bench-${randomBytes(4).toString('hex')}.sock`)}`
    : 'tcp://127.0.0.1:*';
}

/** Starts a server process and resolves with its bound endpoint (from its `... on <endpoint>` line). */
function startServer(
  command: string,
  args: readonly string[],
): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += String(d);
      const match = / on (\S+)\n/.exec(out);
      if (match?.[1] !== undefined) ok({ child, endpoint: match[1] });
    });
    child.once('exit', (code) => fail(new Error(`${command} exited with ${String(code)} before serving`)));
  });
}

/**
 * Env steps/s of the server `command args` (which prints `... on <endpoint>` once it serves) through
 * a ZmqVectorEnv; the server is killed afterwards.
 */
export async function servedStepsPerSecond(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; connectTimeoutMs: number; warmup?: number },
): Promise<number> {
  const { child, endpoint } = await startServer(command, args);
  try {
    const env = await ZmqVectorEnv.connect(endpoint, {
      timeoutMs: options.timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    const sps = await stepsPerSecond(env as VectorEnv<number>, options.warmup);
    await env.close();
    return sps;
  } finally {
    child.kill('SIGKILL');
  }
}
