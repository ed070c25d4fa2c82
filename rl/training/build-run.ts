/**
 * From a resolved config to the pieces of a run: the spaces (probed from one env), the algorithm
 * context every hook gets, the runner and learner specs. Plain data throughout, so the same specs
 * build runners in this process, in local-mode actors or in worker processes.
 */
import type { AlgorithmContext, AnyAlgorithmDefinition } from '../algorithm.js';
import type { CommonConfig } from '../config/common.js';
import { type EnvRunnerSpec, runnerSeed } from '../env-runner/build-env-runner.js';
import { makeRunnerVectorEnv } from '../env-runner/make-runner-vector-env.js';
import type { LearnerSpec } from '../learner/learner-actor.js';

/** Index offset of evaluation runners in {@link runnerSeed} (training runners use 0..N-1). */
export const EVAL_RUNNER_INDEX = 1000;

/**
 * The algorithm context of a run: probes the env once for its spaces.
 * @throws TypeError from `algorithm.checkSpaces` when the algorithm cannot act in the env.
 */
export async function buildContext(
  config: CommonConfig,
  algorithm: AnyAlgorithmDefinition,
): Promise<AlgorithmContext> {
  // As many envs as a runner steps: a remote server serves a fixed number of envs per message.
  const probe = await makeRunnerVectorEnv(config.env, config.env.numEnvsPerRunner);
  try {
    const observationSpace = probe.singleObservationSpace.toJson();
    const actionSpace = probe.singleActionSpace.toJson();
    algorithm.checkSpaces(observationSpace, actionSpace);
    return { config, training: config.training, observationSpace, actionSpace, obsSize: probe.obsSize };
  } finally {
    await probe.close();
  }
}

/** The training runners' specs: `max(1, numEnvRunners)` of them. */
export function trainingRunnerSpecs(
  ctx: AlgorithmContext,
  algorithm: AnyAlgorithmDefinition,
): EnvRunnerSpec[] {
  const { config } = ctx;
  const n = Math.max(1, config.envRunners.numEnvRunners);
  const { recordNextObs } = algorithm.runnerSpec(ctx);
  return Array.from({ length: n }, (_, i) => ({
    algorithm: algorithm.ref,
    context: ctx,
    numEnvs: config.env.numEnvsPerRunner,
    rolloutFragmentLength: config.envRunners.rolloutFragmentLength,
    seed: runnerSeed(config.seed, i),
    explore: true,
    recordNextObs,
    index: i,
    postprocess: true,
  }));
}

/** The evaluation runner's spec (deterministic unless `evaluation.deterministic` is false). */
export function evaluationRunnerSpec(
  ctx: AlgorithmContext,
  algorithm: AnyAlgorithmDefinition,
): EnvRunnerSpec {
  const { config } = ctx;
  return {
    algorithm: algorithm.ref,
    context: ctx,
    numEnvs: config.evaluation.numEnvs,
    numEnvsKey: 'evaluation.numEnvs',
    frozenObsFilter: true,
    // Short fragments: evaluation stops soon after the last needed episode ends.
    rolloutFragmentLength: 16,
    seed: runnerSeed(config.seed, EVAL_RUNNER_INDEX),
    explore: !config.evaluation.deterministic,
    recordNextObs: false,
    index: EVAL_RUNNER_INDEX,
  };
}

/** The learner's spec. */
export function learnerSpec(ctx: AlgorithmContext, algorithm: AnyAlgorithmDefinition): LearnerSpec {
  return { algorithm: algorithm.ref, context: ctx, numGpus: ctx.config.learners.numGpusPerLearner };
}
