/**
 * Off-policy training benchmark: runs the DQN and SAC presets (configs/*.yaml) over seeds and reports,
 * per run, the wall time and env steps until the windowed mean return first reached the preset's
 * `expect.episodeReturnMean` (the issue's threshold: mean of the last 20 episodes), plus medians.
 * Wall time is measured from the start of `train()` (the backend is loaded before), in this process,
 * with the preset's backend. The machine is shared: read times together with the load average and the
 * env steps, which do not depend on load.
 *
 * Run: `npx tsx -e "import('./bench/train-offpolicy.ts').then(async m => console.log(JSON.stringify(await m.benchTrainOffPolicy(), null, 2)))"`
 * Environment: TSRL_BENCH_SEEDS (default 5), TSRL_BENCH_PRESETS (comma-separated file names).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dqn } from '../algorithms/dqn/index.js';
import { sac } from '../algorithms/sac/index.js';
import '../envs/builtin/index.js';
import { setLogLevel } from '../core/logger.js';
import type { AnyAlgorithmDefinition } from '../rl/algorithm.js';
import { initBackend } from '../rl/backend/backend.js';
import { buildConfigSchema, type CommonConfig } from '../rl/config/common.js';
import { resolveConfig } from '../rl/config/resolve.js';
import { train } from '../rl/training/train.js';

const CONFIGS = fileURLToPath(new URL('../configs/', import.meta.url));

/** The presets benchmarked by default, with their algorithm. */
export const OFF_POLICY_PRESETS: readonly { file: string; algorithm: AnyAlgorithmDefinition }[] = [
  { file: 'cartpole-dqn.yaml', algorithm: dqn as unknown as AnyAlgorithmDefinition },
  { file: 'pendulum-sac.yaml', algorithm: sac as unknown as AnyAlgorithmDefinition },
];

/** One run to a preset's threshold. */
export interface PresetRun {
  readonly seed: number;
  readonly reached: boolean;
  /** Wall time from `train()` to the first iteration at or above the threshold (or to the end). */
  readonly timeS: number;
  /** Lifetime env steps at that iteration. */
  readonly envSteps: number;
  readonly finalReturnMean: number;
}

/**
 * Trains `file` (a preset under configs/) with `seed` until its expect threshold or its stop block.
 * @throws as config resolution and training do.
 */
export async function runPresetToThreshold(
  file: string,
  algorithm: AnyAlgorithmDefinition,
  seed: number,
  sets: readonly string[] = [],
): Promise<PresetRun> {
  const schema = buildConfigSchema(algorithm.trainingSchema, {
    refine: (c, ctx) => algorithm.refineConfig?.(c, ctx),
  });
  const config = resolveConfig({
    schema,
    algo: algorithm.name,
    file: join(CONFIGS, file),
    sets: [`seed=${seed}`, 'checkpoint.atEnd=false', ...sets],
  }) as unknown as CommonConfig;
  const threshold = config.expect?.episodeReturnMean ?? Number.POSITIVE_INFINITY;
  await initBackend({ backend: config.backend });
  const runDir = mkdtempSync(join(tmpdir(), 'tsrl-bench-'));
  const start = performance.now();
  let hit: { timeS: number; envSteps: number } | undefined;
  try {
    const result = await train(config, {
      algorithm,
      runDir,
      handleSigint: false,
      onIteration: (row) => {
        if (hit === undefined && (row.episodeReturnMean ?? Number.NEGATIVE_INFINITY) >= threshold) {
          hit = { timeS: (performance.now() - start) / 1000, envSteps: row.envSteps };
        }
      },
    });
    const last = result.last;
    return {
      seed,
      reached: hit !== undefined,
      timeS: hit?.timeS ?? (performance.now() - start) / 1000,
      envSteps: hit?.envSteps ?? last?.envSteps ?? 0,
      finalReturnMean: last?.episodeReturnMean ?? Number.NaN,
    };
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs every preset over seeds 0..N-1 and reports time and env steps to threshold (JSON). */
export async function benchTrainOffPolicy(): Promise<Record<string, unknown>> {
  setLogLevel('error');
  const numSeeds = Number(process.env['TSRL_BENCH_SEEDS'] ?? 5);
  const only = process.env['TSRL_BENCH_PRESETS']?.split(',');
  const out: Record<string, unknown> = { loadAvg1mStart: loadavg()[0] };
  for (const { file, algorithm } of OFF_POLICY_PRESETS) {
    if (only !== undefined && !only.includes(file)) continue;
    const runs: PresetRun[] = [];
    for (let seed = 0; seed < numSeeds; seed++) runs.push(await runPresetToThreshold(file, algorithm, seed));
    const reached = runs.filter((r) => r.reached);
    out[file] = {
      runs,
      reached: `${reached.length}/${runs.length}`,
      medianTimeS: median(reached.map((r) => r.timeS)),
      medianEnvSteps: median(reached.map((r) => r.envSteps)),
    };
  }
  out['loadAvg1mEnd'] = loadavg()[0];
  return out;
}
