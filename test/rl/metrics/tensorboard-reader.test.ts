import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IterationResult } from '../../../rl/metrics/iteration-result.js';
import { MetricsLogger } from '../../../rl/metrics/metrics-logger.js';
import {
  isEventsFileName,
  readTensorBoardEvents,
  TensorBoardFormatError,
} from '../../../rl/metrics/tensorboard-reader.js';
import { TensorBoardWriter } from '../../../rl/metrics/tensorboard-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'tsrl-tb-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTensorBoardEvents', () => {
  it('reads back what the writer wrote: version record, steps, wall times and float32 scalars', () => {
    let clock = 1_600_000_000_000;
    const writer = new TensorBoardWriter(join(dir, 'a'), () => clock);
    clock += 250;
    writer.addScalars(10, { 'learner.policyLoss': -0.1, episodeReturnMean: 12, skipped: 'text' });
    clock += 250;
    writer.addScalars(2 ** 33 + 1, { episodeReturnMean: Number.NaN, 'evaluation.episodes': 5 });
    const events = readTensorBoardEvents(writer.path);
    expect(events).toHaveLength(3);
    expect(events[0]).toEqual({
      wallTimeS: 1_600_000_000,
      step: 0,
      fileVersion: 'brain.Event:2',
      scalars: {},
    });
    expect(events[1]!.wallTimeS).toBeCloseTo(1_600_000_000.25, 6);
    expect(events[1]!.step).toBe(10);
    expect(events[1]!.scalars).toEqual({
      'learner/policyLoss': Math.fround(-0.1),
      episodeReturnMean: 12,
    });
    // NaN is not written; steps above 2^32 stay exact.
    expect(events[2]).toMatchObject({ step: 2 ** 33 + 1, scalars: { 'evaluation/episodes': 5 } });
  });

  it('reads back histograms: min, max, count, sums and equal-width buckets that count every value', () => {
    const writer = new TensorBoardWriter(join(dir, 'h'), () => 0);
    // 0..99 over 30 buckets of width 3.3: bucket b holds the integers in [3.3 b, 3.3 (b + 1)).
    const values = Float32Array.from({ length: 100 }, (_, i) => i);
    writer.addHistograms(7, {
      'weights/pi/dense0/kernel': values,
      'weights/zero': [0, 0, 0],
      'weights/none': [],
    });
    const [, event] = readTensorBoardEvents(writer.path);
    expect(event!.step).toBe(7);
    expect(event!.scalars).toEqual({});
    const h = event!.histograms!['weights/pi/dense0/kernel']!;
    expect([h.min, h.max, h.num, h.sum, h.sumSquares]).toEqual([0, 99, 100, 4950, 328350]);
    expect(h.bucket).toHaveLength(30);
    expect(h.bucket.reduce((a, b) => a + b, 0)).toBe(100);
    expect(h.bucket.slice(0, 3)).toEqual([4, 3, 3]); // {0,1,2,3}, {4,5,6}, {7,8,9}
    expect(h.bucketLimit[0]).toBeCloseTo(3.3, 12);
    expect(h.bucketLimit.at(-1)).toBe(99);
    // All equal: one bucket at that value; empty: no buckets.
    expect(event!.histograms!['weights/zero']).toMatchObject({ num: 3, bucketLimit: [0], bucket: [3] });
    expect(event!.histograms!['weights/none']).toMatchObject({ num: 0, bucket: [] });
  });

  it('names the offset of a corrupted or truncated record', () => {
    const writer = new TensorBoardWriter(join(dir, 'b'), () => 0);
    writer.addScalars(1, { x: 1 });
    const bytes = new Uint8Array(readFileSync(writer.path));
    const firstLength = 16 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const flipped = bytes.slice();
    flipped[firstLength + 14] = flipped[firstLength + 14]! ^ 0xff; // inside the second record's data
    const bad = join(dir, 'flipped');
    writeFileSync(bad, flipped);
    expect(() => readTensorBoardEvents(bad)).toThrow(TensorBoardFormatError);
    expect(() => readTensorBoardEvents(bad)).toThrow(
      `${bad}@${firstLength}: the data's CRC-32C does not match.`,
    );
    const cut = join(dir, 'cut');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 3));
    expect(() => readTensorBoardEvents(cut)).toThrow(/@\d+: record of \d+ bytes is truncated\./);
  });
});

describe('event files of a resumed or restarted run', () => {
  const row = (iteration: number): IterationResult => ({
    iteration,
    envSteps: iteration * 100,
    episodes: iteration,
    episodeReturnMean: iteration,
    episodeLenMean: 1,
    envStepsPerS: 1,
    timeMs: iteration,
  });
  const steps = (runDir: string) =>
    readdirSync(runDir)
      .filter(isEventsFileName)
      .sort()
      .map((f) =>
        readTensorBoardEvents(join(runDir, f)).map((e) => (e.fileVersion === undefined ? e.step : 'v')),
      );

  it('cuts events after the resumed iteration (in a file of its own) and starts over on a fresh run', () => {
    const runDir = join(dir, 'resume');
    const first = new MetricsLogger(runDir, { tensorboard: true });
    for (let i = 1; i <= 5; i++) first.log(row(i));
    const resumed = new MetricsLogger(runDir, { tensorboard: true, resumeFromIteration: 3 });
    resumed.log(row(4));
    expect(steps(runDir)).toEqual([
      ['v', 100, 200, 300],
      ['v', 400],
    ]);
    new MetricsLogger(runDir, { tensorboard: true }).log(row(1));
    expect(steps(runDir)).toEqual([['v', 100]]);
  });
});
