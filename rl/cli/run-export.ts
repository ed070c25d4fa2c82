/** The body of `rl export`, loaded only when the command runs. */
import { loadCheckpoint } from '../checkpoint/load-checkpoint.js';
import { exportTfjs } from '../export/export-tfjs.js';
import type { ExportFlags } from './commands/export.js';
import type { CliWiring } from './wiring.js';

/** Runs `rl export`. @throws CheckpointError for a missing, corrupt or unexportable checkpoint (exit 1). */
export async function runExport(flags: ExportFlags, wiring: CliWiring): Promise<void> {
  const algorithm = await wiring.loadAlgorithm(loadCheckpoint(flags.checkpoint).algorithm);
  const result = await exportTfjs(flags.checkpoint, flags.out, { resolveAlgorithm: () => algorithm });
  wiring.stdout.write(
    `exported ${result.info.algorithm} on ${result.info.envId} to ${result.outDir}: ${result.files.join(', ')}\n` +
      `serve it and open index.html, e.g. python3 -m http.server -d ${result.outDir}\n`,
  );
}
