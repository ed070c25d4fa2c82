import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const EXAMPLE = 'examples/runtime/parallel-pi.ts';

describe(EXAMPLE, () => {
  it.skipIf(!existsSync(EXAMPLE))('runs as documented and prints pi and the sum of the shared array', () => {
    // As its header says: node --import tsx examples/runtime/parallel-pi.ts (it starts worker processes).
    const run = spawnSync(process.execPath, ['--import', 'tsx', EXAMPLE], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, `exit ${run.status} ${run.signal ?? ''}\n${run.stdout}\n${run.stderr}`).toBe(0);
    const match = /pi ~ (\d+\.\d+); sum of 1e6 ones = (\d+)/.exec(run.stdout);
    expect(match, run.stdout).not.toBeNull();
    // 16 tasks x 200k samples: the estimate's standard deviation is 4 * sqrt(p (1 - p) / 3.2e6) ~ 0.0009
    // (p = pi / 4), so 0.01 is more than 10 standard deviations.
    expect(Math.abs(Number(match?.[1]) - Math.PI)).toBeLessThan(0.01);
    expect(Number(match?.[2])).toBe(1_000_000);
  });
});
