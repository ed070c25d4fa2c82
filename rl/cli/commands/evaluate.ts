/** `rl evaluate`: runs a checkpoint's policy for some episodes and reports the mean return. */
import type { Command } from 'commander';
import { parsePositiveInt } from '../parse.js';
import type { CliWiring } from '../wiring.js';

/** The flags of `rl evaluate`, as commander hands them over. */
export interface EvaluateFlags {
  checkpoint: string;
  episodes?: number;
  env?: string;
  render?: boolean;
  fps?: number;
  gif?: string;
  output?: string;
  json?: boolean;
}

export function registerEvaluateCommand(program: Command, wiring: CliWiring): void {
  program
    .command('evaluate')
    .description('evaluate a checkpoint: rl evaluate --checkpoint runs/<run>/checkpoints/latest')
    .requiredOption('--checkpoint <dir>', 'checkpoint directory, or a run directory (its latest checkpoint)')
    .option('--episodes <n>', "episodes to run (default: the config's evaluation.episodes)", parsePositiveInt)
    .option('--env <id>', 'evaluate on another env id (default: the one trained on)')
    .option(
      '--render',
      "draw one episode: a GIF of the env's rgb_array frames (Python envs made with render_mode rgb_array, CartPole-v1 with env.options.renderMode rgb_array), else text frames in the terminal (classic-control envs)",
    )
    .option('--fps <n>', 'with --render: frames per second', parsePositiveInt, 30)
    .option(
      '--gif <file>',
      'with --render on an env that renders frames: the GIF file (default <checkpoint>/episode.gif)',
    )
    .option('--output <file>', 'write the results as JSON to this file')
    .option('--json', 'print the results as one JSON object on stdout')
    .action(async (flags: EvaluateFlags) => {
      const { runEvaluate } = await import('../run-evaluate.js');
      await runEvaluate(flags, wiring);
    });
}
