/**
 * Trains the CartPole PPO preset (configs/cartpole-ppo.yaml, fixed seed) into `runDir` and returns
 * the final checkpoint: the trained policy the policy, export and dashboard tests use.
 */
import { ppo } from '../../../algorithms/ppo/index.js';
import { setLogLevel } from '../../../core/logger.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { train } from '../../../rl/training/train.js';

export async function trainCartPole(
  runDir: string,
): Promise<{ checkpointDir: string; episodeReturnMean: number }> {
  setLogLevel('error');
  const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
  const config = resolveConfig({
    schema,
    algo: 'ppo',
    file: new URL('../../../configs/cartpole-ppo.yaml', import.meta.url).pathname,
    // Until the last 20 episodes all reach the time limit: a policy that balances, not one near it.
    sets: ['seed=1', 'backend=wasm', 'stop.episodeReturnMean=null', 'stop.envSteps=100000'],
  });
  const result = await train(config, {
    algorithm: ppo as unknown as AnyAlgorithmDefinition,
    runDir,
    handleSigint: false,
  });
  if (result.checkpointDir === undefined) throw new Error('trainCartPole: no checkpoint was written');
  return { checkpointDir: result.checkpointDir, episodeReturnMean: result.last?.episodeReturnMean ?? 0 };
}
