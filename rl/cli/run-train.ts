/** The body of `rl train`, loaded only when the command runs. */
import type { TrainFlags } from './commands/train.js';
import type { CliWiring } from './wiring.js';

export async function runTrain(flags: TrainFlags, _wiring: CliWiring): Promise<void> {
  throw new Error(
    `training is not available in this build yet (requested algo ${flags.algo ?? '(from config)'}).`,
  );
}
