/** `rl export`: a checkpoint's policy as a TensorFlow.js model plus a page that runs it in a browser. */
import { type Command, InvalidArgumentError } from 'commander';
import type { CliWiring } from '../wiring.js';

/** The flags of `rl export`, as commander hands them over. */
export interface ExportFlags {
  checkpoint: string;
  format: 'tfjs';
  out: string;
}

function parseFormat(value: string): 'tfjs' {
  if (value !== 'tfjs') throw new InvalidArgumentError(`expected tfjs, got "${value}".`);
  return value;
}

export function registerExportCommand(program: Command, wiring: CliWiring): void {
  program
    .command('export')
    .description('export a policy: rl export --checkpoint runs/<run> --format tfjs --out policy/')
    .requiredOption('--checkpoint <dir>', 'checkpoint directory, or a run directory (its latest checkpoint)')
    .option('--format <format>', 'model format: tfjs (a TensorFlow.js Layers model)', parseFormat, 'tfjs')
    .requiredOption('--out <dir>', 'output directory (model.json, weights.bin, policy.json, index.html)')
    .action(async (flags: ExportFlags) => {
      const { runExport } = await import('../run-export.js');
      await runExport(flags, wiring);
    });
}
