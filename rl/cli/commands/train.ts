/** `rl train`: trains an algorithm from a preset config, with overrides from flags. */
import type { Command } from 'commander';
import { collect, parseFiniteNumber, parseNonNegativeInt, parsePositiveInt } from '../parse.js';
import type { CliWiring } from '../wiring.js';

/** The flags of `rl train`, as commander hands them over. */
export interface TrainFlags {
  algo?: string;
  config?: string;
  set?: string[];
  seed?: number;
  output?: string;
  resume?: string;
  json?: boolean;
  stopIterations?: number;
  stopEnvSteps?: number;
  stopTimeMs?: number;
  stopReturn?: number;
  backend?: string;
}

export function registerTrainCommand(program: Command, wiring: CliWiring): void {
  program
    .command('train')
    .description('train a policy: rl train --algo ppo --config configs/cartpole-ppo.yaml')
    .option('--algo <name>', `algorithm: ${wiring.algorithmNames.join(', ')}`)
    .option('--config <file>', 'preset config (YAML or JSON)')
    .option(
      '--set <key=value>',
      'override one config value, e.g. --set training.lr=0.001 (repeatable)',
      collect,
    )
    .option('--seed <n>', 'random seed (same seed, same backend: same run)', parseNonNegativeInt)
    .option('--output <dir>', 'run directory (default: runs/<algo>-<env>-<time>)')
    .option('--resume <checkpoint>', 'continue from a checkpoint directory (or a run directory: its latest)')
    .option('--json', 'print one JSON object per iteration on stdout')
    .option('--stop-iterations <n>', 'stop after this many iterations', parsePositiveInt)
    .option('--stop-env-steps <n>', 'stop after this many env steps', parsePositiveInt)
    .option('--stop-time-ms <ms>', 'stop after this much wall time', parsePositiveInt)
    .option('--stop-return <r>', 'stop once the mean episode return reaches r', parseFiniteNumber)
    .option('--backend <name>', 'tensor backend: auto, wasm, cpu, tfjs-node, tfjs-node-gpu, webgpu')
    .action(async (flags: TrainFlags) => {
      const { runTrain } = await import('../run-train.js');
      await runTrain(flags, wiring);
    });
}
