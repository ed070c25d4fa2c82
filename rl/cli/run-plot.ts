/** The body of `rl plot`, loaded only when the command runs. */

import { plotRuns } from '../plot/plot-runs.js';
import { PlotInputError } from '../plot/read-run.js';
import type { PlotFlags } from './commands/plot.js';
import { UsageError } from './usage-error.js';
import type { CliWiring } from './wiring.js';

/** Runs `rl plot`. @throws UsageError for unusable run directories, metric or output name (exit 2). */
export async function runPlot(
  runDirs: readonly string[],
  flags: PlotFlags,
  wiring: CliWiring,
): Promise<void> {
  try {
    const result = await plotRuns(runDirs, {
      metric: flags.metric,
      x: flags.x,
      out: flags.out,
      ...(flags.title === undefined ? {} : { title: flags.title }),
    });
    const legend = result.groups.map((g) => `${g.label}: ${g.runDirs.length} run(s)`).join('; ');
    wiring.stdout.write(`wrote ${result.out} (${legend})\n`);
  } catch (error) {
    if (error instanceof PlotInputError) throw new UsageError(error.message);
    throw error;
  }
}
