/**
 * `loadPolicy(checkpoint)` for the built-in algorithms: rl/policy's loader with this registry, so
 * users of the public API need not pass one.
 */
import { type LoadedPolicy, loadPolicyWith } from '../rl/policy/load-policy.js';
import { getAlgorithm } from './index.js';

/**
 * Loads the policy of a checkpoint written by `rl train` (a checkpoint directory, or a run directory:
 * its latest checkpoint); `computeAction(obs, { deterministic })` then acts as in training.
 * @throws CheckpointError when the checkpoint is missing, corrupt or incompatible; RangeError for an
 *   algorithm that is not built in (use `loadPolicyWith` with your own `resolveAlgorithm`).
 */
export function loadPolicy(checkpoint: string, options: { seed?: number } = {}): Promise<LoadedPolicy> {
  return loadPolicyWith(checkpoint, { resolveAlgorithm: getAlgorithm, ...options });
}
