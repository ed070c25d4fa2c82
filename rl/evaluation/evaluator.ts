/**
 * Evaluation: a separate env runner (not the training ones, so training episodes and RNG streams are
 * untouched) that runs M episodes with the current weights, deterministic by default. Every
 * evaluation resets its envs with the same seed, so two evaluations of the same weights agree.
 */
import { createLogger } from '../../core/logger.js';
import { isServedEnvId } from '../../envs/vector/make-vector-env.js';
import type { EpisodeSummary } from '../algorithm.js';
import { buildEnvRunner, type EnvRunnerSpec } from '../env-runner/build-env-runner.js';
import type { EnvRunner } from '../env-runner/env-runner.js';
import type { EvaluationResult } from '../metrics/iteration-result.js';
import type { NamedWeights } from '../models/named-weights.js';

/** Mean of `xs`, or null when empty. */
function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** The summary row of a set of evaluation episodes. */
export function summarizeEpisodes(episodes: EpisodeSummary): EvaluationResult {
  const r = episodes.returns;
  return {
    episodeReturnMean: mean(r),
    episodeLenMean: mean(episodes.lengths),
    episodes: r.length,
    episodeReturnMin: r.length === 0 ? null : Math.min(...r),
    episodeReturnMax: r.length === 0 ? null : Math.max(...r),
  };
}

const log = createLogger('evaluation');
/** Rebuilds of a failed evaluation runner on a served env before the evaluation fails. */
const MAX_REBUILDS = 3;

/**
 * Runs evaluation episodes on its own runner (in the driver's process). On an env served by another
 * process (an address, a Python env server), a failed evaluation rebuilds the runner (a new
 * connection or server) and runs again, as the training runners do.
 */
export class Evaluator {
  private constructor(
    private runner: EnvRunner,
    private readonly spec: EnvRunnerSpec,
  ) {}

  /** Builds the evaluation runner. */
  static async create(spec: EnvRunnerSpec): Promise<Evaluator> {
    return new Evaluator(await buildEnvRunner(spec), spec);
  }

  /**
   * Runs `episodes` episodes with `weights` (and, with `env.normalizeObservations`, the training
   * statistic `obsFilter`).
   * @throws RangeError when `episodes` is not a positive integer.
   */
  async evaluate(
    weights: NamedWeights,
    episodes: number,
    obsFilter?: unknown,
  ): Promise<{ summary: EvaluationResult; episodes: EpisodeSummary }> {
    const { env } = this.spec.context.config;
    const served = isServedEnvId(env.id) || env.addresses.length > 0;
    let broken = false;
    for (let rebuilds = 0; ; rebuilds++) {
      try {
        if (broken) {
          this.runner = await buildEnvRunner(this.spec);
          broken = false;
        }
        this.runner.setWeights(weights);
        // The training runner's `env.normalizeObservations` statistic, used frozen.
        if (obsFilter !== undefined) this.runner.setObsFilterState(obsFilter);
        await this.runner.reset(this.spec.seed);
        const done = await this.runner.sampleEpisodes(episodes);
        return { summary: summarizeEpisodes(done), episodes: done };
      } catch (error) {
        if (!served || rebuilds >= MAX_REBUILDS) throw error;
        log.warn(
          `evaluation failed (${(error as Error).message}); rebuilding its runner (${rebuilds + 1}/${MAX_REBUILDS})`,
        );
        if (!broken) await this.runner.close().catch(() => undefined);
        broken = true;
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** rebuilds));
      }
    }
  }

  /** Closes the envs. */
  async close(): Promise<void> {
    await this.runner.close();
  }
}
