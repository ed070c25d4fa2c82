/**
 * Builds an {@link EnvRunner} from plain data (so an actor in another process can do it): the vector
 * env from the `env` config section, the policy from the algorithm found by its module URL.
 */
import { SeededRng } from '../../envs/rng.js';
import { type AlgorithmContext, type AlgorithmRef, loadAlgorithm } from '../algorithm.js';
import { EnvRunner } from './env-runner.js';
import { makeRunnerVectorEnv } from './make-runner-vector-env.js';
import { NormalizeVectorObservation } from './normalize-vector-observation.js';

/** Everything a runner is built from; plain data. */
export interface EnvRunnerSpec {
  readonly algorithm: AlgorithmRef;
  readonly context: AlgorithmContext;
  /** Envs in this runner's vector. */
  readonly numEnvs: number;
  /** The config key `numEnvs` comes from, for errors. @default 'env.numEnvsPerRunner' */
  readonly numEnvsKey?: string;
  /** Use the `env.normalizeObservations` statistic without updating it (evaluation). @default false */
  readonly frozenObsFilter?: boolean;
  readonly rolloutFragmentLength: number;
  /** Seed of this runner (env n is reset with `seed + n`). */
  readonly seed: number;
  readonly explore: boolean;
  readonly recordNextObs: boolean;
  /** The runner's index (training 0..N-1, evaluation 1000): picks its address from `env.addresses`. @default 0 */
  readonly index?: number;
  /** Run the policy's runner-side `postprocess` (training runners). @default false */
  readonly postprocess?: boolean;
}

/**
 * The seed of runner `index` of a run seeded `seed`: far apart so that the envs of different runners
 * (seeded `runnerSeed + n`) never share a seed. Evaluation runners use indexes from 1000 on.
 */
export function runnerSeed(seed: number, index: number): number {
  return SeededRng.fromSeed(seed * 4099 + index).nextUint32() * 1024;
}

/** Builds the runner (resets its envs). @throws as the env registry and the algorithm module do. */
export async function buildEnvRunner(spec: EnvRunnerSpec): Promise<EnvRunner> {
  const def = await loadAlgorithm(spec.algorithm);
  // Evaluation never updates the observation statistic: it uses the training one, frozen.
  const env = await makeRunnerVectorEnv(spec.context.config.env, spec.numEnvs, spec.numEnvsKey, {
    runnerIndex: spec.index ?? 0,
    frozenFilter: spec.frozenObsFilter === true,
  });
  const policy = await def.createPolicy(spec.context);
  return EnvRunner.create({
    env,
    policy,
    rolloutFragmentLength: spec.rolloutFragmentLength,
    explore: spec.explore,
    seed: spec.seed,
    recordNextObs: spec.recordNextObs,
    postprocess: spec.postprocess ?? false,
    ...(env instanceof NormalizeVectorObservation ? { obsFilter: env } : {}),
  });
}
