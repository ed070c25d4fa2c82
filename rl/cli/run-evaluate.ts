/** The body of `rl evaluate`, loaded only when the command runs. */
import type { EvaluateFlags } from './commands/evaluate.js';
import type { CliWiring } from './wiring.js';

export async function runEvaluate(flags: EvaluateFlags, _wiring: CliWiring): Promise<void> {
  throw new Error(`evaluation is not available in this build yet (${flags.checkpoint}).`);
}
