import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IterationResult } from '../../../rl/metrics/iteration-result.js';
import { MetricsLogger } from '../../../rl/metrics/metrics-logger.js';

const root = mkdtempSync(join(tmpdir(), 'tsrl-metrics-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function row(iteration: number, extra: Partial<IterationResult> = {}): IterationResult {
  return {
    iteration,
    envSteps: iteration * 512,
    episodes: iteration * 2,
    episodeReturnMean: iteration === 1 ? null : 20 * iteration,
    episodeLenMean: iteration === 1 ? null : 20 * iteration,
    envStepsPerS: 1000,
    timeMs: iteration * 500,
    learner: { policyLoss: -0.01, kl: 0.002 },
    ...extra,
  };
}

describe('MetricsLogger', () => {
  it('writes one JSON line per iteration and a CSV with flattened keys', () => {
    const dir = join(root, 'a');
    const logger = new MetricsLogger(dir);
    logger.log(row(1));
    logger.log(row(2, { note: 'a,"b"' }));
    const lines = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([row(1), row(2, { note: 'a,"b"' })]);
    expect(readFileSync(join(dir, 'progress.csv'), 'utf8')).toBe(
      [
        'iteration,envSteps,episodes,episodeReturnMean,episodeLenMean,envStepsPerS,timeMs,learner.policyLoss,learner.kl,note',
        '1,512,2,,,1000,500,-0.01,0.002,',
        '2,1024,4,40,40,1000,1000,-0.01,0.002,"a,""b"""',
        '',
      ].join('\n'),
    );
  });

  it('widens the CSV header when evaluation keys first appear, keeping columns aligned', () => {
    const dir = join(root, 'b');
    const logger = new MetricsLogger(dir);
    logger.log(row(1, { learner: { loss: 1 } }));
    logger.log(
      row(2, {
        learner: { loss: 2 },
        evaluation: { episodeReturnMean: 500, episodeLenMean: 500, episodes: 10 },
      }),
    );
    logger.log(row(3, { learner: { loss: 3 } }));
    const csv = readFileSync(join(dir, 'progress.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'iteration,envSteps,episodes,episodeReturnMean,episodeLenMean,envStepsPerS,timeMs,learner.loss,evaluation.episodeReturnMean,evaluation.episodeLenMean,evaluation.episodes',
    );
    expect(csv.slice(1)).toEqual([
      '1,512,2,,,1000,500,1,,,',
      '2,1024,4,40,40,1000,1000,2,500,500,10',
      '3,1536,6,60,60,1000,1500,3,,,',
    ]);
  });

  it('on resume keeps rows up to the checkpoint iteration and skips a torn last line', () => {
    const dir = join(root, 'c');
    const first = new MetricsLogger(dir);
    for (let i = 1; i <= 4; i++) first.log(row(i));
    appendFileSync(join(dir, 'results.jsonl'), '{"iteration": 5, "envS');
    const resumed = new MetricsLogger(dir, { resumeFromIteration: 2 });
    expect(resumed.numRows).toBe(2);
    resumed.log(row(3));
    const iterations = readFileSync(join(dir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as IterationResult).iteration);
    expect(iterations).toEqual([1, 2, 3]);
    const csv = readFileSync(join(dir, 'progress.csv'), 'utf8').trim().split('\n');
    expect(csv.map((l) => l.split(',')[0])).toEqual(['iteration', '1', '2', '3']);
  });

  it('writes TensorBoard scalars when asked', () => {
    const dir = join(root, 'tb');
    const logger = new MetricsLogger(dir, { tensorboard: true });
    logger.log(row(1));
    expect(logger.tensorboardPath).toMatch(/events\.out\.tfevents\./);
    // The file-version record (16 bytes of framing + 26 of Event) plus a second record (16 + data).
    expect(readFileSync(logger.tensorboardPath!).byteLength).toBeGreaterThan(42 + 16);
    expect(new MetricsLogger(join(root, 'no-tb')).tensorboardPath).toBeUndefined();
  });

  it('starts fresh files when not resuming', () => {
    const dir = join(root, 'd');
    new MetricsLogger(dir).log(row(1));
    const again = new MetricsLogger(dir);
    expect(again.numRows).toBe(0);
    expect(readFileSync(join(dir, 'results.jsonl'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'progress.csv'), 'utf8')).toBe('');
  });
});
