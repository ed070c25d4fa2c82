/**
 * One episode of a checkpoint's policy, recorded for the dashboard to draw in the browser: the
 * built-in classic-control envs' observations step by step (the page draws CartPole, Pendulum,
 * MountainCar and Acrobot from them).
 */
// Registers the built-in envs: `rl dashboard` runs episodes in a process that has not made any env yet.
import '../../envs/builtin/index.js';
import { makeEnv } from '../../envs/registry.js';
import type { AnyAlgorithmDefinition } from '../algorithm.js';
import { loadPolicyWith } from '../policy/load-policy.js';

/** Envs the dashboard page can draw. */
export const DRAWABLE_ENVS: readonly string[] = [
  'CartPole-v1',
  'Pendulum-v1',
  'MountainCar-v0',
  'MountainCarContinuous-v0',
  'Acrobot-v1',
];

/** A recorded episode. */
export interface RecordedEpisode {
  readonly envId: string;
  readonly checkpointDir: string;
  readonly seed: number;
  /** The observation before the first step, then after every step. */
  readonly frames: readonly number[][];
  readonly episodeReturn: number;
  readonly length: number;
}

/**
 * Plays one deterministic episode of the checkpoint in `runDir` (at most `maxSteps`).
 * @throws RangeError when the env is not one the page can draw; CheckpointError from loading.
 */
export async function playEpisode(
  runDir: string,
  options: { resolveAlgorithm: (name: string) => AnyAlgorithmDefinition; seed?: number; maxSteps?: number },
): Promise<RecordedEpisode> {
  const policy = await loadPolicyWith(runDir, { resolveAlgorithm: options.resolveAlgorithm });
  try {
    if (!DRAWABLE_ENVS.includes(policy.envId)) {
      throw new RangeError(
        `the dashboard draws ${DRAWABLE_ENVS.join(', ')}; this run's env is ${policy.envId} (use rl evaluate).`,
      );
    }
    const seed = options.seed ?? 0;
    const env = makeEnv(policy.envId);
    let { obs } = env.reset({ seed });
    const frames: number[][] = [Array.from(obs as Float32Array)];
    let episodeReturn = 0;
    const maxSteps = options.maxSteps ?? 1000;
    for (let t = 0; t < maxSteps; t++) {
      const step = env.step(policy.computeAction(obs, { deterministic: true }));
      episodeReturn += step.reward;
      frames.push(Array.from(step.obs as Float32Array));
      if (step.terminated || step.truncated) break;
      obs = step.obs;
    }
    env.close?.();
    return {
      envId: policy.envId,
      checkpointDir: policy.checkpointDir,
      seed,
      frames,
      episodeReturn,
      length: frames.length - 1,
    };
  } finally {
    policy.dispose();
  }
}
