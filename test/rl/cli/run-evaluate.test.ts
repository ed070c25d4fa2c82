/** `rl evaluate` through the real wiring: --render shows frames at a watchable rate (--fps). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { describeOutcome, runRl } from '../../smoke/run-rl.js';

const dir = mkdtempSync(join(tmpdir(), 'tsrl-run-evaluate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rl evaluate --render', () => {
  it('paces the frames to --fps', async () => {
    setLogLevel('error');
    const run = join(dir, 'run');
    const trainArgs = [
      'train',
      '--algo',
      'ppo',
      '--backend',
      'cpu',
      '--stop-iterations',
      '1',
      '--output',
      run,
    ];
    const trained = await runRl([
      ...trainArgs,
      '--set',
      'envRunners.numEnvRunners=0',
      '--set',
      'model.hiddenSizes=[4]',
    ]);
    expect(trained.code, describeOutcome(trainArgs, trained)).toBe(0);

    const fps = 50;
    const start = performance.now();
    const args = ['evaluate', '--checkpoint', run, '--episodes', '1', '--render', '--fps', String(fps)];
    const r = await runRl(args);
    const elapsedMs = performance.now() - start;
    expect(r.code, describeOutcome(args, r)).toBe(0);
    const frames = r.stdout.split('\x1b[H\x1b[2J').length - 1;
    expect(frames).toBeGreaterThan(5);
    // n frames at 50 fps take at least (n - 1) x 20 ms (a lower bound: a loaded machine only adds).
    expect(elapsedMs).toBeGreaterThanOrEqual((frames - 1) * (1000 / fps) * 0.95);
  }, 120_000);
});
