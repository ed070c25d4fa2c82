/** `rl plot`: learning curves of run directories, mean and spread over seeds, to PNG or SVG. */
import { type Command, InvalidArgumentError } from 'commander';
import type { CliWiring } from '../wiring.js';

/** The flags of `rl plot`, as commander hands them over. */
export interface PlotFlags {
  metric: string;
  x: 'envSteps' | 'timeMs';
  out: string;
  title?: string;
}

function parseX(value: string): 'envSteps' | 'timeMs' {
  if (value !== 'envSteps' && value !== 'timeMs')
    throw new InvalidArgumentError(`expected envSteps or timeMs, got "${value}".`);
  return value;
}

export function registerPlotCommand(program: Command, wiring: CliWiring): void {
  program
    .command('plot')
    .description(
      'plot learning curves: rl plot runs/a runs/b --out curve.png (runs that differ only in seed are averaged, band = +-1 std)',
    )
    .argument('<runDirs...>', 'run directories written by rl train')
    .option('--metric <name>', 'metric to plot, a column of progress.csv', 'episodeReturnMean')
    .option('--x <axis>', 'x axis: envSteps or timeMs', parseX, 'envSteps')
    .option('--out <file>', 'output file, .png or .svg', 'curve.png')
    .option('--title <text>', 'plot title (default: the metric)')
    .action(async (runDirs: string[], flags: PlotFlags) => {
      const { runPlot } = await import('../run-plot.js');
      await runPlot(runDirs, flags, wiring);
    });
}
