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
}

/** What a learning run reached. */
export interface PresetOutcome {
  readonly best: number;
  readonly last: IterationResult | undefined;
  /** Every iteration's row, in order. */
  readonly rows: readonly IterationResult[];
  readonly expected: { episodeReturnMean: number; withinEnvSteps: number | undefined };
}

/**
 * Trains `file` with `algo`; `reduced` replaces the stop block unless FULL (then the preset's own
 * `expect` is the bar); `extraSets` are `--set` overrides applied last.
 */
export async function runPreset(
  algo: string,
  file: string,
  reduced: { envSteps: number; episodeReturnMean: number },
  extraSets: readonly string[] = [],
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
    `stop.episodeReturnMean=${target}`,
    `stop.envSteps=${budget}`,
    `expect.withinEnvSteps=${budget}`,
    'checkpoint.atEnd=false',
    ...extraSets,
  ];
  const config = resolveConfig({ schema, algo, file, sets });
  const dir = mkdtempSync(join(tmpdir(), `tsrl-learning-${algo}-`));
  let best = Number.NEGATIVE_INFINITY;
  const rows: IterationResult[] = [];
  try {
    const result = await train(config, {
      algorithm,
      runDir: dir,
      handleSigint: false,
      onIteration: (row) => {
        rows.push(row);
        if (row.episodeReturnMean !== null) best = Math.max(best, row.episodeReturnMean);
      },
    });
    return {
      best,
      last: result.last,
      rows,
      expected: { episodeReturnMean: target, withinEnvSteps: budget },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
