/**
 * Removes old checkpoints of a run (`checkpoint.keepLast`).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { listCheckpoints } from './load-checkpoint.js';

/**
 * Deletes all but the newest `keepLast` checkpoints in `checkpointsDir` and returns the iterations
 * removed. Directories without a manifest (a write in progress) are left alone.
 * @throws RangeError when `keepLast` is not a positive integer.
 */
export function pruneCheckpoints(checkpointsDir: string, keepLast: number): number[] {
  if (!Number.isInteger(keepLast) || keepLast < 1) {
    throw new RangeError(`pruneCheckpoints: keepLast (${String(keepLast)}) must be an integer >= 1.`);
  }
  const all = listCheckpoints(checkpointsDir);
  const removed = all.slice(0, Math.max(0, all.length - keepLast));
  for (const iteration of removed)
    rmSync(join(checkpointsDir, String(iteration)), { recursive: true, force: true });
  return removed;
}
