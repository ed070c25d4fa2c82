/**
 * SAC's networks: an actor MLP `pi` giving [mean, raw log std] (2 x |A|) from the observation, with the
 * log std squashed into [LOG_STD_MIN, LOG_STD_MAX] by tanh (CleanRL `Actor.forward`), and two critic
 * MLPs `q1`, `q2` on concat(obs, action) giving Q(s, a), plus their targets `q1Target`, `q2Target`.
 * Critics see actions in env units (rescaled to the Box bounds), as CleanRL's.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { SpaceJson } from '../../envs/spaces/space.js';
import type { ModelConfig } from '../../rl/algorithm.js';
import type { ActionBounds } from '../../rl/distributions/squashed-gaussian.js';
import type { MlpSpec } from '../../rl/models/mlp.js';

/** cleanrl/sac_continuous_action.py LOG_STD_MIN, LOG_STD_MAX. */
export const LOG_STD_MIN = -5;
export const LOG_STD_MAX = 2;
/** Weight-name prefixes. */
export const ACTOR = 'pi';
export const CRITICS = ['q1', 'q2'] as const;
export const CRITIC_TARGETS = ['q1Target', 'q2Target'] as const;

/** The Box action space's size and finite bounds. */
export interface SacActionSpec {
  readonly actionSize: number;
  readonly bounds: ActionBounds;
}

/**
 * The action size and bounds.
 * @throws TypeError naming the space when it is not a 1-D Box with finite bounds.
 */
export function sacActionSpec(space: SpaceJson): SacActionSpec {
  if (space.type !== 'Box' || space.shape.length !== 1) {
    throw new TypeError(
      `sac: action space ${space.type}${space.type === 'Box' ? ` of shape [${space.shape.join(', ')}]` : ''} is not ` +
        'supported; SAC needs a 1-D Box (use DQN or PPO for Discrete).',
    );
  }
  const low = space.low.map((x) => x ?? Number.NEGATIVE_INFINITY);
  const high = space.high.map((x) => x ?? Number.POSITIVE_INFINITY);
  low.forEach((l, i) => {
    if (!Number.isFinite(l) || !Number.isFinite(high[i]!)) {
      throw new TypeError(
        `sac: action bound ${i} is [${l}, ${high[i]}]; SAC squashes actions into finite bounds (wrap the env to rescale its actions).`,
      );
    }
  });
  return { actionSize: low.length, bounds: { low: Float32Array.from(low), high: Float32Array.from(high) } };
}

/** The actor's MLP spec: obs -> [mean, raw log std]. */
export function actorSpec(obsSize: number, actionSize: number, model: ModelConfig): MlpSpec {
  return {
    inputSize: obsSize,
    hiddenSizes: model.hiddenSizes,
    outputSize: 2 * actionSize,
    activation: model.activation,
  };
}

/** A critic's MLP spec: concat(obs, action) -> Q. */
export function criticSpec(
  obsSize: number,
  actionSize: number,
  model: ModelConfig,
  hiddenSizes: readonly number[] | undefined,
): MlpSpec {
  return {
    inputSize: obsSize + actionSize,
    hiddenSizes: hiddenSizes ?? model.hiddenSizes,
    outputSize: 1,
    activation: model.activation,
  };
}

/** log std = MIN + (MAX - MIN) (tanh(raw) + 1) / 2 (CleanRL `Actor.forward`), plain JS (runners). */
export function squashLogStd(raw: number): number {
  return LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (Math.tanh(raw) + 1);
}

/**
 * {@link squashLogStd} on tensors (the learner's actor), written as tanh(raw) * half + (MIN + half)
 * with half = (MAX - MIN) / 2: one multiply and one add per element. [B, A] -> [B, A]
 */
export function squashLogStdTensor(tf: typeof tfjs, raw: tfjs.Tensor): tfjs.Tensor {
  const half = 0.5 * (LOG_STD_MAX - LOG_STD_MIN);
  return tf.add(tf.mul(tf.tanh(raw), half), LOG_STD_MIN + half);
}
