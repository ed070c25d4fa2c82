/**
 * Python env servers stepping in order vs in subprocess workers (`--stepping subprocess`): remote
 * env steps/s through ZmqVectorEnv over ipc at 1, 16 and 64 envs per message, for a cheap env
 * (CartPole: gymnasium's when /usr/bin/python3 imports gymnasium, else examples/python-env/cartpole.py,
 * the same dynamics in plain numpy) and a costly one (bench/fixtures/costly_cartpole.py: 200 us of
 * busy work per step). Each result says which Python env it measured. Medians of 5 trials of 200 ms;
 * a shared, noisy machine: compare numbers from the same run only.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZmqVectorEnv } from '../envs/remote/zmq-vector-env.js';
import type { VectorEnv } from '../envs/vector/vector-env.js';
import { PACKAGE_ROOT } from '../rl/version.js';

const REPO = PACKAGE_ROOT;
const PYTHON = '/usr/bin/python3';
const BATCHES = [1, 16, 64] as const;
const TRIALS = 5;
const TRIAL_MS = 200;

/** A Python env the benchmark serves: the server's `--env` and kwargs, and its label in the output. */
interface PythonEnvCase {
  readonly label: string;
  readonly env: string;
  readonly kwargs: Record<string, unknown>;
}

function imports(module: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

async function stepsPerSecond(env: VectorEnv<number>): Promise<number> {
  await env.reset({ seed: 0 });
  const n = env.numEnvs;
  const batches = Array.from({ length: 64 }, (_, k) =>
    Array.from({ length: n }, (_, i) => ((k * 7 + i * 3) >> 1) % 2),
  );
  for (let k = 0; k < 20; k++) await env.step(batches[k % 64] ?? []);
  const samples: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    let iterations = 0;
    const start = performance.now();
    while (performance.now() - start < TRIAL_MS) {
      await env.step(batches[iterations % 64] ?? []);
      iterations++;
    }
    samples.push((iterations * n * 1000) / (performance.now() - start));
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(TRIALS / 2)] ?? 0);
}

function startServer(args: string[]): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(PYTHON, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += String(d);
      const match = / on (\S+)\n/.exec(out);
      if (match?.[1] !== undefined) ok({ child, endpoint: match[1] });
    });
    child.once('exit', (code) =>
      fail(new Error(`the Python server exited with ${String(code)} before serving`)),
    );
  });
}

async function measure(
  c: PythonEnvCase,
  stepping: 'in-order' | 'subprocess',
  numEnvs: number,
): Promise<number> {
  const address = `ipc://${join(tmpdir(), `tsrl-bench-py-${randomBytes(4).toString('hex')}.sock`)}`;
  const { child, endpoint } = await startServer([
    join(REPO, 'envs/python/tsrl_env_server.py'),
    '--env',
    c.env,
    '--env-kwargs',
    JSON.stringify(c.kwargs),
    '--address',
    address,
    '--num-envs',
    String(numEnvs),
    '--stepping',
    stepping,
  ]);
  try {
    const env = await ZmqVectorEnv.connect(endpoint, { timeoutMs: 30_000, connectTimeoutMs: 30_000 });
    const sps = await stepsPerSecond(env as VectorEnv<number>);
    await env.close();
    return sps;
  } finally {
    child.kill('SIGKILL');
  }
}

/** Runs the benchmark: steps/s by Python env, stepping and envs per message. */
export async function benchPythonStepping(): Promise<Record<string, unknown>> {
  if (!imports('zmq, msgpack, numpy')) return { skipped: `${PYTHON} lacks zmq, msgpack or numpy` };
  const cheap: PythonEnvCase = imports('gymnasium')
    ? { label: 'gymnasium:CartPole-v1 (gymnasium.make)', env: 'gymnasium:CartPole-v1', kwargs: {} }
    : {
        label:
          'examples/python-env/cartpole.py:CartPole (Gymnasium dynamics in numpy; gymnasium not importable)',
        env: join(REPO, 'examples/python-env/cartpole.py:CartPole'),
        kwargs: {},
      };
  const costly: PythonEnvCase = {
    label: 'bench/fixtures/costly_cartpole.py:CostlyCartPole (CartPole + 200 us busy work per step)',
    env: join(REPO, 'bench/fixtures/costly_cartpole.py:CostlyCartPole'),
    kwargs: { work_us: 200 },
  };
  const cases: Record<string, unknown>[] = [];
  for (const c of [cheap, costly]) {
    const bySteps: Record<string, Record<string, number>> = {};
    for (const stepping of ['in-order', 'subprocess'] as const) {
      bySteps[stepping] = {};
      for (const n of BATCHES) bySteps[stepping][n] = await measure(c, stepping, n);
    }
    const at64 = (bySteps['subprocess']?.['64'] ?? 0) / (bySteps['in-order']?.['64'] ?? 1);
    cases.push({ pythonEnv: c.label, ...bySteps, subprocessOverInOrderAt64: Math.round(at64 * 100) / 100 });
  }
  return {
    unit: 'env steps/s over ipc',
    batches: [...BATCHES],
    subprocessWorkers: `one per CPU (${cpus().length} here), at most one per env`,
    python: PYTHON,
    cases,
  };
}
