/**
 * Figures the benchmarks print but do not measure carry `recorded: true`, a source a reader can open
 * and the machine; and no file of the project cites notes that are not in it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GYMNASIUM_CARTPOLE,
  PYTHON_PEERS,
  RAY_MICROBENCHMARK,
  type RecordedFigure,
} from '../../bench/recorded.js';

const all: RecordedFigure[] = [
  ...Object.values(RAY_MICROBENCHMARK),
  ...Object.values(PYTHON_PEERS).flatMap((peers) =>
    Object.values(peers).flatMap((p) => [p.timeS, p.envSteps]),
  ),
  GYMNASIUM_CARTPOLE,
];

describe('recorded figures', () => {
  it('say they are recorded, where from (a URL or a file here) and on which machine', () => {
    expect(all.length).toBeGreaterThan(10);
    for (const figure of all) {
      expect(figure.recorded).toBe(true);
      expect(figure.machine.length).toBeGreaterThan(10);
      const file = figure.source.split('#')[0]!;
      expect(figure.source.startsWith('https://') || existsSync(file), figure.source).toBe(true);
    }
  });

  it('the bench suites print them under names that say so', () => {
    const sources = ['bench/core.ts', 'bench/train.ts', 'bench/envs-local.ts'].map((f) =>
      readFileSync(f, 'utf8'),
    );
    expect(sources[0]).toContain('ratioToRecordedRay');
    expect(sources[0]).not.toMatch(/\bratioToRay\b/);
    expect(sources[1]).toContain('peersRecorded');
    expect(sources[2]).toContain('gymnasiumCartPoleRecorded');
  });

  it('no tracked file cites the measurements file that lives outside this repository', () => {
    const files = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).trim().split('\n');
    const citing = files.filter(
      (f) =>
        f !== 'test/bench/recorded.test.ts' &&
        existsSync(f) &&
        readFileSync(f, 'utf8').includes(['FACTS', 'md'].join('.')),
    );
    expect(citing).toEqual([]);
  });
});
