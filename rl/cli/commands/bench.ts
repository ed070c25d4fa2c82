/** `rl bench <suite> [--json]`: runs benchmark suites and prints their results. */
import type { Command } from 'commander';
import { UsageError } from '../usage-error.js';
import type { CliWiring } from '../wiring.js';

/** Flattens nested results to `a.b.c: value` lines for the human-readable form. */
function flattenForDisplay(value: unknown, prefix: string, out: string[]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value))
      flattenForDisplay(inner, prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  const shown = typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(4)) : value;
  out.push(`${prefix}: ${JSON.stringify(shown)}`);
}

export function registerBenchCommand(program: Command, wiring: CliWiring): void {
  const names = Object.keys(wiring.benchSuites);
  program
    .command('bench')
    .description(`run benchmark suites (${[...names, 'all'].join(', ')}) and print JSON results`)
    .argument('<suite>', `one of: ${[...names, 'all'].join(', ')}`)
    .option('--json', 'print one JSON object (suite -> results) on stdout')
    .action(async (suite: string, options: { json?: boolean }) => {
      const selected = suite === 'all' ? names : [suite];
      for (const name of selected) {
        if (!(name in wiring.benchSuites)) {
          throw new UsageError(
            `unknown bench suite "${suite}"; expected one of: ${[...names, 'all'].join(', ')}.`,
          );
        }
      }
      const results: Record<string, unknown> = {};
      for (const name of selected) {
        const load = wiring.benchSuites[name];
        if (!load) continue;
        wiring.stderr.write(`bench ${name}: running\n`);
        const run = await load();
        results[name] = await run();
        if (!options.json) {
          const lines: string[] = [];
          flattenForDisplay(results[name], name, lines);
          wiring.stdout.write(`${lines.join('\n')}\n`);
        }
      }
      if (options.json)
        wiring.stdout.write(
          `${JSON.stringify({ tsrlVersion: wiring.version, date: new Date().toISOString(), results }, null, 2)}\n`,
        );
    });
}
