/**
 * What keeps a run's work: Ctrl-C and SIGTERM in an inline run, checkpoints by wall time with the
 * newest K kept, the warning for a run without a stop criterion, and runners rebuilt when a remote
 * env server restarts (inline, and actors whose first reconnect times out).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { init, shutdown } from '../../../core/index.js';
import { setLogLevel, setLogSink } from '../../../core/logger.js';
import { CartPoleEnv } from '../../../envs/builtin/cartpole.js';
import { type EnvServer, serveEnv } from '../../../envs/remote/index.js';
import { SyncVectorEnv } from '../../../envs/vector/sync-vector-env.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { train } from '../../../rl/training/train.js';
import { freshAddress } from '../../envs/remote/server-process.js';

setLogLevel('error');
const algorithm = ppo as unknown as AnyAlgorithmDefinition;
const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
const dirs: string[] = [];
function runDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsrl-lifecycle-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const BASE = [
  'backend=cpu',
  'env.id=./envs/builtin/cartpole.ts:CartPoleEnv',
  'env.numEnvsPerRunner=2',
  'envRunners.numEnvRunners=0',
  'envRunners.rolloutFragmentLength=16',
  'model.hiddenSizes=[8]',
  'training.numEpochs=1',
  'training.numMinibatches=1',
];
const config = (...sets: string[]) => resolveConfig({ schema, algo: 'ppo', sets: [...BASE, ...sets] });
const checkpoints = (dir: string) =>
  readdirSync(join(dir, 'checkpoints'))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);

describe('train: signals', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} stops an inline run after the iteration, with a checkpoint`, async () => {
      const dir = runDir();
      let timer: NodeJS.Timeout | undefined;
      const startMs = performance.now();
      try {
        const r = await train(config('stop.timeMs=10000'), {
          algorithm,
          runDir: dir,
          // The timer can only fire if the loop gives the event loop a turn between iterations.
          onIteration: (row) => {
            if (row.iteration === 1) timer = setTimeout(() => process.emit(signal, signal), 50);
          },
        });
        expect(r.stopReason).toBe('interrupted');
        expect(performance.now() - startMs).toBeLessThan(8_000);
        expect(checkpoints(dir)).toEqual([r.last!.iteration]);
      } finally {
        clearTimeout(timer);
      }
      expect(process.listenerCount(signal)).toBe(0);
    });
  }
});

describe('train: checkpoints', () => {
  it('checkpoints by wall time and keeps the newest checkpoint.keepLast', async () => {
    const dir = runDir();
    // intervalMs 1: every iteration is a minute's worth of work here.
    const r = await train(config('stop.iterations=5', 'checkpoint.intervalMs=1', 'checkpoint.keepLast=2'), {
      algorithm,
      runDir: dir,
      handleSigint: false,
    });
    expect(r.last?.iteration).toBe(5);
    expect(checkpoints(dir)).toEqual([4, 5]);
  });

  it('warns at start when no stop criterion is set', async () => {
    const lines: string[] = [];
    const previous = setLogSink((level, _scope, text) => lines.push(`${level}: ${text}`));
    setLogLevel('warn');
    const stop = new AbortController();
    try {
      const r = await train(config(), {
        algorithm,
        runDir: runDir(),
        handleSigint: false,
        signal: stop.signal,
        onIteration: () => stop.abort(),
      });
      expect(r.stopReason).toBe('interrupted');
    } finally {
      setLogLevel('error');
      setLogSink(previous);
    }
    expect(lines.filter((l) => l.startsWith('warn: no stop criterion'))).toHaveLength(1);
  });
});

describe('train: a remote env server that restarts', () => {
  const serve = (address: string) => serveEnv({ envFactory: () => new CartPoleEnv(), numEnvs: 2, address });
  // Short timeouts so that the test notices the dead server quickly.
  const remote = (address: string) => [
    `env.id=${address}`,
    'env.options={timeoutMs: 1000, connectTimeoutMs: 1000}',
    'envRunners.sampleTimeoutMs=5000',
    'envRunners.restartWindowMs=30000',
    'stop.iterations=6',
    'checkpoint.intervalMs=0',
  ];

  /** Stops the server at iteration 2 and serves again at the same address after `downMs`. */
  function restartAt2(address: string, first: EnvServer, downMs: number) {
    const state = { server: first, restarted: false };
    const onIteration = async (row: { iteration: number }) => {
      if (row.iteration !== 2 || state.restarted) return;
      state.restarted = true;
      await state.server.close();
      setTimeout(() => {
        void serve(address).then((s) => {
          state.server = s;
        });
      }, downMs);
    };
    return { state, onIteration };
  }

  it('inline: the runner reconnects with backoff and the run goes on', async () => {
    const address = freshAddress('ipc');
    const { state, onIteration } = restartAt2(address, await serve(address), 1500);
    try {
      const r = await train(config(...remote(address)), {
        algorithm,
        runDir: runDir(),
        handleSigint: false,
        onIteration,
      });
      expect(state.restarted).toBe(true);
      expect(r.last?.iteration).toBe(6);
      expect(r.runnerRestarts).toBeGreaterThanOrEqual(1);
    } finally {
      await state.server.close();
    }
  }, 60_000);

  it('actors: restarts go on past the first connect timeout until the server is back', async () => {
    await init({ localMode: true });
    const address = freshAddress('ipc');
    // Down for 4 s: longer than connectTimeoutMs (1 s), so the first rebuilt actor cannot connect.
    const { state, onIteration } = restartAt2(address, await serve(address), 4000);
    try {
      const r = await train(config(...remote(address), 'envRunners.numEnvRunners=1'), {
        algorithm,
        runDir: runDir(),
        handleSigint: false,
        onIteration,
      });
      expect(r.last?.iteration).toBe(6);
      expect(r.runnerRestarts).toBeGreaterThanOrEqual(2);
    } finally {
      await state.server.close();
      await shutdown();
    }
  }, 90_000);

  it('fails with the last error once envRunners.restartWindowMs is over', async () => {
    const address = freshAddress('ipc');
    const server = await serve(address);
    const onIteration = async (row: { iteration: number }) => {
      if (row.iteration === 1) await server.close();
    };
    const dir = runDir();
    await expect(
      train(config(...remote(address), 'envRunners.restartWindowMs=2500'), {
        algorithm,
        runDir: dir,
        handleSigint: false,
        onIteration,
      }),
    ).rejects.toThrow(
      /env runner 0 failed \d+ times in \d+ s \(envRunners.restartWindowMs 2500\); last error: /,
    );
    // The completed iteration's work is kept: a checkpoint to resume from once the server is back.
    expect(checkpoints(dir)).toEqual([1]);
  }, 60_000);
});

describe('train: a remote server stepping another number of envs', () => {
  it('names env.numEnvsPerRunner (the key to change), not an internal numEnvs', async () => {
    const address = freshAddress('ipc');
    // One vector env served as it is (no envs built per client): it steps 3 envs, whatever is asked.
    const vectorEnv = new SyncVectorEnv([0, 1, 2].map(() => () => new CartPoleEnv()));
    const server = await serveEnv({ vectorEnv, address });
    try {
      await expect(
        train(config(`env.id=${address}`, 'stop.iterations=1'), {
          algorithm,
          runDir: runDir(),
          handleSigint: false,
        }),
      ).rejects.toThrow(
        `env.numEnvsPerRunner (2) must be the number of envs the server at ${address} steps per message (3): ` +
          'set env.numEnvsPerRunner=3, or restart the server with --num-envs 2.',
      );
    } finally {
      await server.close();
    }
  });
});

describe('train: a stream that keeps breaking', () => {
  it('stops with an error instead of training on, when runners need rebuilding round after round', async () => {
    await init({ localMode: true });
    try {
      await expect(
        train(
          config(
            'env.id=./test/rl/training/fixtures/flaky-cartpole.ts:FlakyCartPole',
            'envRunners.numEnvRunners=1',
            'stop.iterations=50',
            'checkpoint.intervalMs=0',
          ),
          { algorithm, runDir: runDir(), handleSigint: false },
        ),
      ).rejects.toThrow(
        /env runners needed rebuilding in 5 sampling rounds in a row \(\d+ rebuilds in all\)/,
      );
    } finally {
      await shutdown();
    }
  }, 90_000);
});

describe('train: a learner on a GPU', () => {
  it('learners.numGpusPerLearner 1 starts the runtime for the learner actor (no "not initialised" crash)', async () => {
    // Without tfjs-node-gpu (CI) the learner must fail saying so; with it, the run trains.
    const outcome = await train(config('learners.numGpusPerLearner=1', 'stop.iterations=1'), {
      algorithm,
      runDir: runDir(),
      handleSigint: false,
    }).then(
      () => 'trained',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(outcome).not.toMatch(/not initiali[sz]ed/);
    if (outcome !== 'trained') expect(outcome).toContain('tfjs-node-gpu');
  }, 120_000);

  for (const mode of ['local-mode actors'] as const) {
    it(`SIGTERM stops a run with ${mode} too, with a checkpoint`, async () => {
      await init({ localMode: true });
      let timer: NodeJS.Timeout | undefined;
      try {
        const dir = runDir();
        const r = await train(config('envRunners.numEnvRunners=1', 'stop.timeMs=10000'), {
          algorithm,
          runDir: dir,
          onIteration: (row) => {
            if (row.iteration === 1) timer = setTimeout(() => process.emit('SIGTERM', 'SIGTERM'), 50);
          },
        });
        expect(r.stopReason).toBe('interrupted');
        expect(checkpoints(dir)).toEqual([r.last!.iteration]);
      } finally {
        clearTimeout(timer);
        await shutdown();
      }
    });
  }
});
