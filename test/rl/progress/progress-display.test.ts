import { describe, expect, it } from 'vitest';
import type { IterationResult } from '../../../rl/metrics/iteration-result.js';
import { ProgressDisplay, type ProgressStream } from '../../../rl/progress/progress-display.js';

class FakeStream implements ProgressStream {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns?: number,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

function result(iteration: number, extra: Partial<IterationResult> = {}): IterationResult {
  return {
    iteration,
    envSteps: iteration * 2048,
    episodes: iteration * 10,
    episodeReturnMean: iteration === 1 ? null : 100 + iteration,
    episodeLenMean: 50,
    envStepsPerS: 12345.6,
    timeMs: iteration * 1000,
    ...extra,
  };
}

describe('ProgressDisplay', () => {
  it('picks the mode from the stream and the json flag', () => {
    expect(new ProgressDisplay({ stream: new FakeStream(true) }).mode).toBe('tty');
    expect(new ProgressDisplay({ stream: new FakeStream(false) }).mode).toBe('plain');
    expect(new ProgressDisplay({ stream: new FakeStream(true), json: true }).mode).toBe('json');
  });

  it('formats the line with the ETA from the budget criteria', () => {
    const display = new ProgressDisplay({
      stream: new FakeStream(),
      stop: { envSteps: 20_480, episodeReturnMean: 475 },
    });
    // 4096 of 20480 steps (20%) in 2 s: at most 8 s to go (the return target may end it sooner).
    expect(display.formatLine(result(2))).toBe(
      'iter 2 | steps 4,096 | return 102.0 | 12,346 steps/s | 0:02 | ETA <=0:08',
    );
    const budgetOnly = new ProgressDisplay({ stream: new FakeStream(), stop: { envSteps: 20_480 } });
    expect(budgetOnly.formatLine(result(2))).toBe(
      'iter 2 | steps 4,096 | return 102.0 | 12,346 steps/s | 0:02 | ETA 0:08',
    );
    // The row that reaches the return target stops the run: no ETA to the budget on it.
    expect(display.formatLine(result(2, { episodeReturnMean: 480 }))).toBe(
      'iter 2 | steps 4,096 | return 480.0 | 12,346 steps/s | 0:02',
    );
    expect(
      display.formatLine(
        result(1, { evaluation: { episodeReturnMean: 500, episodeLenMean: 500, episodes: 10 } }),
      ),
    ).toBe('iter 1 | steps 2,048 | return - | eval 500.0 | 12,346 steps/s | 0:01 | ETA <=0:09');
    const noBudget = new ProgressDisplay({ stream: new FakeStream(), stop: { episodeReturnMean: 475 } });
    expect(noBudget.formatLine(result(2))).toBe(
      'iter 2 | steps 4,096 | return 102.0 | 12,346 steps/s | 0:02',
    );
  });

  it('plain mode prints lines, throttled, and the last one at finish', () => {
    let clock = 0;
    const stream = new FakeStream();
    const display = new ProgressDisplay({
      stream,
      minLineIntervalMs: 1000,
      now: () => clock,
      stop: { iterations: 4 },
    });
    display.start({ algo: 'ppo', envId: 'CartPole-v1', runDir: 'runs/x' });
    display.update(result(1));
    clock = 500;
    display.update(result(2)); // throttled
    clock = 1200;
    display.update(result(3));
    clock = 1300;
    display.update(result(4)); // throttled, shown at finish
    display.finish({
      checkpointDir: 'runs/x/checkpoints/4',
      reason: { criterion: 'iterations', threshold: 4, value: 4, message: 'iterations 4 >= 4' },
    });
    expect(stream.text).toBe(
      [
        'training ppo on CartPole-v1; run directory runs/x',
        'iter 1 | steps 2,048 | return - | 12,346 steps/s | 0:01 | ETA 0:03',
        'iter 3 | steps 6,144 | return 103.0 | 12,346 steps/s | 0:03 | ETA 0:01',
        'iter 4 | steps 8,192 | return 104.0 | 12,346 steps/s | 0:04',
        'done: iterations 4 >= 4; checkpoint runs/x/checkpoints/4',
        '',
      ].join('\n'),
    );
  });

  it('json mode writes exactly one JSON object per iteration and messages elsewhere', () => {
    const stream = new FakeStream(true);
    const info = new FakeStream();
    const display = new ProgressDisplay({ stream, infoStream: info, json: true, now: () => 0 });
    display.start({ algo: 'ppo', envId: 'CartPole-v1', seed: 3, runDir: 'runs/x' });
    display.update(result(1));
    display.update(result(2));
    display.message('checkpoint saved');
    display.finish({ runnerRestarts: 2 });
    const lines = stream.text.trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([result(1), result(2)]);
    expect(info.text).toBe(
      'training ppo on CartPole-v1 (seed 3); run directory runs/x\ncheckpoint saved\n' +
        'stopped; env runners rebuilt 2 times (see the log)\n',
    );
  });

  it('tty mode redraws one status line in place, cut to the width, and messages go above it', () => {
    let clock = 0;
    const stream = new FakeStream(true, 30);
    const display = new ProgressDisplay({ stream, now: () => clock });
    display.update(result(1));
    clock = 200;
    display.update(result(2));
    display.logSink()('warn', 'runner', 'restarted runner 1');
    clock = 400;
    display.update(result(3));
    display.finish({ interrupted: true });
    expect(stream.text).toBe(
      '\r\x1b[2Kiter 1 | steps 2,048 | return' +
        '\r\x1b[2Kiter 2 | steps 4,096 | return' +
        '\r\x1b[2K[tsrl warn] runner: restarted runner 1\n' +
        '\r\x1b[2Kiter 3 | steps 6,144 | return' +
        '\ninterrupted\n',
    );
  });
});
