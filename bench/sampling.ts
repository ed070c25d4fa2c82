/**
 * Sampling throughput of env-runner actors: CartPole-v1 with PPO's policy (8 envs per runner, 64 steps
 * per fragment), synchronous rounds as PPO samples them (weights published every round, every sample
 * read into the driver as a local learner reads it). Reports sampled env steps per second of wall time
 * for each runner count, with the inline runner (no runtime) and the ratio to one runner actor.
 * Used by `rl bench train` (1, 2, 4 runners) and bench/gpu/sampling.ts (1, 4, 8, 14).
 */
import { actorCriticSpec, initActorCritic } from '../algorithms/ppo/model.js';
import { ppo } from '../algorithms/ppo/ppo.js';
import { init, isInitialized, shutdown } from '../core/index.js';
import { setLogLevel } from '../core/logger.js';
import type { AnyAlgorithmDefinition } from '../rl/algorithm.js';
import { buildConfigSchema } from '../rl/config/common.js';
import { resolveConfig } from '../rl/config/resolve.js';
import { EnvRunnerGroup } from '../rl/env-runner/env-runner-group.js';
import { buildContext, trainingRunnerSpecs } from '../rl/training/build-run.js';

/** One row: `runners` 0 is the inline runner. */
export interface SamplingRow {
  readonly runners: number;
  readonly envStepsPerS: number;
  /** envStepsPerS divided by the one-runner-actor figure of the same run. */
  readonly ratioToOneRunner: number | null;
}

/** Options of {@link benchSampling}. */
export interface SamplingBenchOptions {
  /** Runner counts to measure (0 = inline). */
  readonly runnerCounts: readonly number[];
  /** Wall time per runner count after warm-up. @default 3000 */
  readonly measureMs?: number;
  /** Called after each warm-up, before timing (the cluster bench asks where the runners landed). */
  readonly afterWarmUp?: (numRunners: number) => Promise<void>;
}

/** Minimum warm-up wall time per runner count. */
const WARM_UP_MS = 1000;

async function measure(
  numRunners: number,
  measureMs: number,
  afterWarmUp: ((numRunners: number) => Promise<void>) | undefined,
): Promise<number> {
  const algorithm = ppo as unknown as AnyAlgorithmDefinition;
  const config = resolveConfig({
    schema: buildConfigSchema(ppo.trainingSchema),
    algo: 'ppo',
    sets: [
      'env.id=CartPole-v1',
      'env.numEnvsPerRunner=8',
      `envRunners.numEnvRunners=${numRunners}`,
      'envRunners.rolloutFragmentLength=64',
      'model.hiddenSizes=[64, 64]',
    ],
  });
  const ctx = await buildContext(config, algorithm);
  const weights = initActorCritic(actorCriticSpec(ctx.obsSize, config.model, ctx.actionSpace), 0);
  const group = await EnvRunnerGroup.create({
    specs: trainingRunnerSpecs(ctx, algorithm),
    mode: numRunners === 0 ? 'inline' : 'actors',
  });
  try {
    const round = async () => {
      group.publishWeights(weights);
      const r = await group.sample();
      await group.resolve(r.fragments);
      return r.envSteps;
    };
    // Warm-up: workers started, code paths compiled. By time as well as rounds: with 3 rounds only, the
    // first runner count measured ran ~3x slower than the same count measured later in the run.
    const warm = performance.now();
    for (let i = 0; i < 3 || performance.now() - warm < WARM_UP_MS; i++) await round();
    await afterWarmUp?.(numRunners);
    let steps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < measureMs) steps += await round();
    return steps / ((performance.now() - t0) / 1000);
  } finally {
    await group.close();
  }
}

/** Measures every runner count (see the module comment); starts the runtime when none is running. */
export async function benchSampling(options: SamplingBenchOptions): Promise<SamplingRow[]> {
  setLogLevel('warn');
  const owns = !isInitialized();
  if (owns) await init();
  try {
    const rates: { runners: number; envStepsPerS: number }[] = [];
    for (const n of options.runnerCounts) {
      rates.push({
        runners: n,
        envStepsPerS: await measure(n, options.measureMs ?? 3000, options.afterWarmUp),
      });
    }
    const one = rates.find((r) => r.runners === 1)?.envStepsPerS;
    return rates.map((r) => ({ ...r, ratioToOneRunner: one === undefined ? null : r.envStepsPerS / one }));
  } finally {
    if (owns) await shutdown();
  }
}
