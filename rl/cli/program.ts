/**
 * The `rl` command line: one commander program with the subcommands train, evaluate, env, cluster,
 * bench, plot, export and dashboard. Handlers load their modules lazily so that `rl --help` starts without TensorFlow.js.
 *
 * Exit codes, one rule: 0 success; 2 the input given is wrong (unknown command or flag, bad value, a
 * config file or checkpoint that is missing or invalid: `UsageError`, `ConfigError`, `CheckpointError`);
 * 1 the work itself failed (a run that crashed, an env check that found problems). Handlers never set
 * `process.exitCode` themselves.
 */
import { Command, CommanderError } from 'commander';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { ConfigError } from '../config/config-error.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerClusterCommand } from './commands/cluster.js';
import { registerDashboardCommand } from './commands/dashboard.js';
import { registerEnvCommand } from './commands/env.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerExportCommand } from './commands/export.js';
import { registerPlotCommand } from './commands/plot.js';
import { registerTrainCommand } from './commands/train.js';
import { UsageError } from './usage-error.js';
import type { CliWiring } from './wiring.js';

/** Builds the program; exposed for tests, which parse argv without exiting the process. */
export function createProgram(wiring: CliWiring): Command {
  const program = new Command('rl')
    .description('tsrl: reinforcement learning in TypeScript (PPO, DQN, SAC, APEX-DQN) on a Ray-like runtime')
    .addHelpText('after', '\nExit codes: 0 done; 1 the work failed; 2 bad input (flag, config, checkpoint).')
    .version(wiring.version, '-V, --version', 'print the tsrl version')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => wiring.stdout.write(s),
      writeErr: (s) => wiring.stderr.write(s),
    });
  registerTrainCommand(program, wiring);
  registerEvaluateCommand(program, wiring);
  registerEnvCommand(program, { stdout: wiring.stdout, stderr: wiring.stderr });
  registerClusterCommand(program, { stdout: wiring.stdout, stderr: wiring.stderr });
  registerBenchCommand(program, wiring);
  registerPlotCommand(program, wiring);
  registerExportCommand(program, wiring);
  registerDashboardCommand(program, wiring);
  // Subcommands inherit the error handling and output of the root.
  for (const command of program.commands) {
    command.exitOverride().showSuggestionAfterError(true).configureOutput(program.configureOutput());
  }
  return program;
}

/** Runs the CLI on `argv` (as `process.argv`) and returns the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], wiring: CliWiring): Promise<number> {
  const program = createProgram(wiring);
  if (argv.length <= 2) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error: unknown) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" in commander's exitOverride mode; they succeed.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return 0;
      return 2;
    }
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof CheckpointError) {
      wiring.stderr.write(`rl: ${error.message}\n`);
      return 2;
    }
    const err = error instanceof Error ? error : new Error(String(error));
    wiring.stderr.write(`rl: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}\n`);
    if (process.env['TSRL_DEBUG'] && err.stack) wiring.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
