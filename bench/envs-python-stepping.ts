/**
 * Python env servers stepping in order vs in subprocess workers (`--stepping subprocess`): remote
 * env steps/s through ZmqVectorEnv over ipc at 1, 16 and 64 envs per message, for a cheap env
 * (CartPole: gymnasium's when /usr/bin/python3 imports gymnasium, else examples/python-env/cartpole.py,
 * the same dynamics in plain numpy) and a costly one (bench/fixtures/costly_cartpole.py: 200 us of
 * busy work per step). Each result says which Python env it measured. Medians of 5 trials of 200 ms;
 * a shared, noisy machine: compare numbers from the same run only.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  BATCHES,
  freshAddress,
  PYTHON,
  PYTHON_SERVER,
  pythonImports,
  REPO,
  servedStepsPerSecond,
} from './env-server-timing.js';

/** A Python env the benchmark serves: the server's `--env` and kwargs, and its label in the output. */
interface PythonEnvCase {
  readonly label: string;
  readonly env: string;
  readonly kwargs: Record<string, unknown>;
}

function measure(c: PythonEnvCase, stepping: 'in-order' | 'subprocess', numEnvs: number): Promise<number> {
  const args = [
    PYTHON_SERVER,
    '--env',
    c.env,
    '--env-kwargs',
    JSON.stringify(c.kwargs),
    '--address',
    freshAddress('ipc'),
    '--num-envs',
    String(numEnvs),
    '--stepping',
    stepping,
  ];
  return servedStepsPerSecond(PYTHON, args, { timeoutMs: 30_000, connectTimeoutMs: 30_000, warmup: 20 });
}

/** Runs the benchmark: steps/s by Python env, stepping and envs per message. */
export async function benchPythonStepping(): Promise<Record<string, unknown>> {
  if (!pythonImports('zmq, msgpack, numpy')) return { skipped: `${PYTHON} lacks zmq, msgpack or numpy` };
  const cheap: PythonEnvCase = pythonImports('gymnasium')
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
