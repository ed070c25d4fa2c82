/**
 * DQN's Q-network layout: one MLP (rl/models/mlp.ts, weights `q/dense<i>/kernel|bias`) whose head gives
 * Q(s, .) [A], or with `dueling` [1 + A]: V(s) in column 0 and the advantages A(s, .) after it, combined
 * by Wang et al. 2016 eq. 9 (a linear V head and a linear A head on a shared torso; the paper splits the
 * torso's last hidden layer into two streams as well).
 */
import type { SpaceJson } from '../../envs/spaces/space.js';
import type { ModelConfig } from '../../rl/algorithm.js';
import type { MlpSpec } from '../../rl/models/mlp.js';
import type { NamedWeights } from '../../rl/models/named-weights.js';

/** Weight-name prefix of the online Q-network (what runners run). */
export const Q_NET = 'q';
/** Weight-name prefix of the target Q-network (checkpoints only). */
export const Q_TARGET = 'qTarget';

/**
 * The number of discrete actions.
 * @throws TypeError naming the space when it is not Discrete.
 */
export function numActionsOf(space: SpaceJson): number {
  if (space.type === 'Discrete') return space.n;
  throw new TypeError(
    `dqn: action space ${space.type} is not supported; DQN needs Discrete actions (use SAC or PPO for Box).`,
  );
}

/** The Q-network's MLP spec. */
export function qNetSpec(obsSize: number, numActions: number, model: ModelConfig, dueling: boolean): MlpSpec {
  return {
    inputSize: obsSize,
    hiddenSizes: model.hiddenSizes,
    outputSize: dueling ? numActions + 1 : numActions,
    activation: model.activation,
  };
}

/** The entries of `weights` whose name starts with `prefix/`, in order. */
export function weightsUnder(weights: NamedWeights, prefix: string): NamedWeights {
  return weights.filter((w) => w.name.startsWith(`${prefix}/`));
}
