/** `rl train`: trains an algorithm from a preset config, with overrides from flags. */
import { type Command, InvalidArgumentError } from 'commander';
import { BACKENDS } from '../../config/common.js';
import { didYouMean } from '../../config/did-you-mean.js';
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
  force?: boolean;
  json?: boolean;
  stopIterations?: number;
  stopEnvSteps?: number;
  stopTimeMs?: number;
  stopReturn?: number;
  backend?: string;
  address?: string;
  keyFile?: string;
}

/** Parses `--backend`: one of {@link BACKENDS}; `gpu` and the like point at tfjs-node-gpu. */
export function parseBackend(value: string): string {
  if ((BACKENDS as readonly string[]).includes(value)) return value;
  const near = /gpu|cuda/i.test(value) ? 'tfjs-node-gpu' : didYouMean(value, BACKENDS);
  throw new InvalidArgumentError(
    `expected one of ${BACKENDS.join(', ')}, got "${value}"${near === undefined ? '' : `; did you mean "${near}"?`}`,
  );
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
    .option('--output <dir>', 'run directory (default: runs/<algo>-<env>-<time>); must not hold another run')
    .option('--resume <checkpoint>', 'continue from a checkpoint directory (or a run directory: its latest)')
    .option(
      '--force',
      'with --output: delete the run already in that directory (its results and checkpoints)',
    )
    .option('--json', 'print one JSON object per iteration on stdout')
    .option('--stop-iterations <n>', 'stop after this many iterations', parsePositiveInt)
    .option('--stop-env-steps <n>', 'stop after this many env steps', parsePositiveInt)
    .option('--stop-time-ms <ms>', 'stop after this much wall time', parsePositiveInt)
    .option('--stop-return <r>', 'stop once the mean episode return reaches r', parseFiniteNumber)
    .option('--backend <name>', `tensor backend: ${BACKENDS.join(', ')}`, parseBackend)
    .option(
      '--address <host:port>',
      'run the env runners and learner actors on this cluster (rl cluster start --head); default TSRL_ADDRESS',
    )
    .option('--key-file <file>', "the cluster's key file (with --address); default TSRL_KEY_FILE")
    .action(async (flags: TrainFlags) => {
      const { runTrain } = await import('../run-train.js');
      await runTrain(flags, wiring);
    });
}
