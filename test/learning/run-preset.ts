/**
 * Runs a preset as a learning test: `TSRL_LEARNING=full` runs it to its own `expect` block; otherwise
 * a reduced budget and threshold (CI time) given by the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAlgorithm } from '../../algorithms/index.js';
import { setLogLevel } from '../../core/logger.js';
import { CartPoleEnv } from '../../envs/builtin/cartpole.js';
import { MinAtarBreakoutEnv } from '../../envs/builtin/minatar-breakout.js';
import { PendulumEnv } from '../../envs/builtin/pendulum.js';
import { listEnvs, registerEnv } from '../../envs/registry.js';
import { buildConfigSchema } from '../../rl/config/common.js';
import { resolveConfig } from '../../rl/config/resolve.js';
import type { IterationResult } from '../../rl/metrics/iteration-result.js';
import { train } from '../../rl/training/train.js';

/** True when the full learning tests run (`npm run test:learning`). */
export const FULL = process.env['TSRL_LEARNING'] === 'full';

/** Registers the built-in envs the presets use, unless the env registry already has them. */
function ensureEnvs(): void {
  const ids = new Set(listEnvs().map((e) => e.id));
  if (!ids.has('CartPole-v1')) registerEnv('CartPole-v1', (o) => new CartPoleEnv(o as never));
  if (!ids.has('Pendulum-v1')) registerEnv('Pendulum-v1', (o) => new PendulumEnv(o as never));
  if (!ids.has('MinAtar/Breakout-v1'))
    registerEnv('MinAtar/Breakout-v1', (o) => new MinAtarBreakoutEnv(o as never));
}

/** What a learning run reached. */
export interface PresetOutcome {
  /** Env steps at the first iteration whose windowed mean return reached the target; undefined if none did. */
  readonly reachedAtEnvSteps: number | undefined;
  /** The windowed mean return of the last iteration (null when no episode ended). */
  readonly lastReturn: number | null;
  readonly last: IterationResult | undefined;
  /** Every iteration's row, in order. */
  readonly rows: readonly IterationResult[];
  readonly expected: { episodeReturnMean: number; withinEnvSteps: number | undefined };
}

/**
 * Trains `file` with `algo`; `reduced` replaces the stop block unless FULL (then the preset's own
 * `expect` is the bar). The run stops at the target unless `runFullBudget` (then it uses the whole
 * budget, for tests that assert the last window rather than the first one to reach the target).
 * `sets` go after everything (the measurements of a no-learning run set `training.lr` here).
 */
export async function runPreset(
  algo: string,
  file: string,
  reduced: { envSteps: number; episodeReturnMean: number },
  options: { runFullBudget?: boolean; sets?: readonly string[] } = {},
): Promise<PresetOutcome> {
  setLogLevel('warn');
  ensureEnvs();
  const algorithm = getAlgorithm(algo);
  const schema = buildConfigSchema(algorithm.trainingSchema, {
    refine: (c, ctx) => algorithm.refineConfig?.(c, ctx),
  });
  const base = resolveConfig({ schema, algo, file });
  const expect = base.expect;
  if (expect === undefined) throw new Error(`${file} has no expect block`);
  const target = FULL ? expect.episodeReturnMean : reduced.episodeReturnMean;
  const budget = FULL ? (expect.withinEnvSteps ?? base.stop.envSteps) : reduced.envSteps;
  const sets = [
    options.runFullBudget === true ? `stop={envSteps: ${budget}}` : `stop.episodeReturnMean=${target}`,
    `stop.envSteps=${budget}`,
    'checkpoint.atEnd=false',
    'checkpoint.intervalMs=0',
    ...(options.sets ?? []),
  ];
  const config = resolveConfig({ schema, algo, file, sets });
  const dir = mkdtempSync(join(tmpdir(), `tsrl-learning-${algo}-`));
  let reachedAtEnvSteps: number | undefined;
  const rows: IterationResult[] = [];
  try {
    const result = await train(config, {
      algorithm,
      runDir: dir,
      handleSigint: false,
      onIteration: (row) => {
        rows.push(row);
        const r = row.episodeReturnMean;
        if (reachedAtEnvSteps === undefined && r !== null && r >= target) reachedAtEnvSteps = row.envSteps;
      },
    });
    return {
      rows,
      reachedAtEnvSteps,
      lastReturn: result.last?.episodeReturnMean ?? null,
      last: result.last,
      expected: { episodeReturnMean: target, withinEnvSteps: budget },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
