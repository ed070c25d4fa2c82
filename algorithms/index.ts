/**
 * The algorithm registry: every built-in {@link AlgorithmDefinition} by name (PPO, DQN, SAC,
 * APEX-DQN; one line each).
 */
import type { AnyAlgorithmDefinition } from '../rl/algorithm.js';
import { didYouMean } from '../rl/config/did-you-mean.js';
import { apexDqn } from './apex-dqn/index.js';
import { dqn } from './dqn/index.js';
import { ppo } from './ppo/index.js';
import { sac } from './sac/index.js';

/** Built-in algorithms by name. */
export const ALGORITHMS: Readonly<Record<string, AnyAlgorithmDefinition>> = Object.freeze({
  [ppo.name]: ppo as AnyAlgorithmDefinition,
  [dqn.name]: dqn as unknown as AnyAlgorithmDefinition,
  [sac.name]: sac as unknown as AnyAlgorithmDefinition,
  [apexDqn.name]: apexDqn as unknown as AnyAlgorithmDefinition,
});

/**
 * The definition named `name`.
 * @throws RangeError naming the value, the known algorithms and a did-you-mean.
 */
export function getAlgorithm(name: string): AnyAlgorithmDefinition {
  const def = ALGORITHMS[name];
  if (def !== undefined) return def;
  const names = Object.keys(ALGORITHMS);
  const near = didYouMean(name, names);
  throw new RangeError(
    `Unknown algorithm '${name}'${near === undefined ? '' : `; did you mean '${near}'?`} Known: ${names.join(', ')}.`,
  );
}

export { apexDqn, dqn, ppo, sac };
