/**
 * The dashboard's run status: `finished` once runtime.json carries the end mark train() writes;
 * without one, `running` while results are fresh or the run's process is alive on this host.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listRuns } from '../../../rl/dashboard/run-index.js';

const root = mkdtempSync(join(tmpdir(), 'tsrl-run-index-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A run whose results were last written `ageMs` ago, with a runtime.json when `runtime` is given. */
function run(
  name: string,
  ageMs: number,
  runtime?: { pid: number; ended?: { atMs: number; reason: string } },
) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.jsonl'), `${JSON.stringify({ iteration: 1, envSteps: 10 })}\n`);
  const at = new Date(Date.now() - ageMs);
  utimesSync(join(dir, 'results.jsonl'), at, at);
  if (runtime !== undefined) {
    const nodes = [{ host: hostname(), numCpus: 1, totalMemBytes: 1, freeMemBytes: 1, loadAvg: [0, 0, 0] }];
    writeFileSync(
      join(dir, 'runtime.json'),
      JSON.stringify({ writtenAtMs: 0, nodes, runtime: null, ...runtime }),
    );
  }
}

describe('listRuns status', () => {
  it('tells ended, live and dead runs apart, whatever the age of their results', () => {
    const hour = 3_600_000;
    // A process that has exited: its pid is free (for the instant this test needs).
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    run('ended-just-now', 0, { pid: process.pid, ended: { atMs: Date.now(), reason: 'envSteps 10 >= 10' } });
    run('slow-iterations', hour, { pid: process.pid });
    run('killed', hour, { pid: deadPid });
    run('fresh-no-runtime', 0);
    run('old-no-runtime', hour);
    const status = Object.fromEntries(listRuns(root).map((r) => [r.name, r.status]));
    expect(status).toEqual({
      'ended-just-now': 'finished',
      'slow-iterations': 'running',
      killed: 'finished',
      'fresh-no-runtime': 'running',
      'old-no-runtime': 'finished',
    });
  });
});
