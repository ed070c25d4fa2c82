/**
 * The terminal display of `rl train`:
 * - `tty`: one status line redrawn in place (`\r` + erase line), throttled;
 * - `plain` (not a TTY: logs, CI): one line per iteration, throttled to `minLineIntervalMs`;
 * - `json` (`--json`): one JSON object per iteration on the stream and nothing else, so stdout can be
 *   piped to `jq`; other messages go to `infoStream`.
 *
 * The line: `iter 12 | steps 6,144 | return 187.3 | eval 500.0 | 12,345 steps/s | 0:03 | ETA 0:12`;
 * the ETA comes from the budget stop criteria (iterations, envSteps, timeMs): `ETA <=0:12` when a
 * return target may end the run sooner, none on the row that stops it.
 */
import type { LogSink } from '../../core/logger.js';
import type { IterationResult } from '../metrics/iteration-result.js';
import { type StopCriteria, type StopReason, shouldStop, stopProgress } from '../metrics/should-stop.js';
import { formatCount, formatDuration, formatReturn } from './format.js';

/** Where the display writes: `process.stdout`, or a fake in tests. */
export interface ProgressStream {
  write(chunk: string): unknown;
  /** True for a terminal; selects the `tty` mode. */
  readonly isTTY?: boolean | undefined;
  /** Terminal width; status lines are cut to fit. */
  readonly columns?: number | undefined;
}

/** How progress is shown. */
export type ProgressMode = 'tty' | 'plain' | 'json';

/** Options of {@link ProgressDisplay}. */
export interface ProgressDisplayOptions {
  /** @default process.stdout */
  readonly stream?: ProgressStream;
  /** Messages in `json` mode (run directory, checkpoints). @default process.stderr */
  readonly infoStream?: ProgressStream;
  /** @default 'json' with `json: true`, else 'tty' when the stream is a TTY, else 'plain' */
  readonly mode?: ProgressMode;
  /** Shorthand for `mode: 'json'` (the `--json` flag). @default false */
  readonly json?: boolean;
  /** The run's stop criteria, for the ETA. @default {} */
  readonly stop?: StopCriteria;
  /** Minimum time between two lines (plain) or redraws (tty); `json` prints every iteration. @default 1000 plain, 100 tty */
  readonly minLineIntervalMs?: number;
  /** Clock, for tests. @default performance.now */
  readonly now?: () => number;
}

/** What {@link ProgressDisplay.finish} reports. */
export interface ProgressSummary {
  /** The criterion that stopped the run, if one did. */
  readonly reason?: StopReason;
  /** True when the run was interrupted (Ctrl-C). @default false */
  readonly interrupted?: boolean;
  /** The final checkpoint, if one was written (the run directory was shown by {@link ProgressDisplay.start}). */
  readonly checkpointDir?: string;
  /** Env runners rebuilt after failures during the run. @default 0 */
  readonly runnerRestarts?: number;
}

/** The live progress of a training run. */
export class ProgressDisplay {
  /** The mode in use. */
  readonly mode: ProgressMode;
  private readonly stream: ProgressStream;
  private readonly infoStream: ProgressStream;
  private readonly stop: StopCriteria;
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private lastDrawMs = Number.NEGATIVE_INFINITY;
  private statusShown = false;
  private pending: IterationResult | undefined;

  constructor(options: ProgressDisplayOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.infoStream = options.infoStream ?? process.stderr;
    this.mode =
      options.mode ?? (options.json === true ? 'json' : this.stream.isTTY === true ? 'tty' : 'plain');
    this.stop = options.stop ?? {};
    this.minIntervalMs = options.minLineIntervalMs ?? (this.mode === 'tty' ? 100 : 1000);
    this.now = options.now ?? (() => performance.now());
  }

  /** Prints the opening line: algorithm, env, seed (when given) and run directory. */
  start(info: {
    readonly algo: string;
    readonly envId: string;
    readonly runDir: string;
    readonly seed?: number;
  }): void {
    const seed = info.seed === undefined ? '' : ` (seed ${info.seed})`;
    this.message(`training ${info.algo} on ${info.envId}${seed}; run directory ${info.runDir}`);
  }

  /** Shows one iteration's results (json: always; tty/plain: at most once per interval). */
  update(result: IterationResult): void {
    if (this.mode === 'json') {
      this.stream.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const t = this.now();
    if (t - this.lastDrawMs < this.minIntervalMs) {
      this.pending = result;
      return;
    }
    this.lastDrawMs = t;
    this.pending = undefined;
    this.draw(result);
  }

  /** Prints a line of its own (e.g. `checkpoint saved to ...`), keeping the status line below it. */
  message(text: string): void {
    if (this.mode === 'json') {
      this.infoStream.write(`${text}\n`);
      return;
    }
    if (this.mode === 'tty' && this.statusShown) {
      this.stream.write(`\r\x1b[2K${text}\n`);
      this.statusShown = false;
      return;
    }
    this.stream.write(`${text}\n`);
  }

  /**
   * A logger sink that prints through {@link message}, so log lines on the terminal do not tear the
   * status line: `setLogSink(display.logSink())` while training (restore the previous sink after).
   */
  logSink(): LogSink {
    return (level, scope, text) => this.message(`[tsrl ${level}] ${scope}: ${text}`);
  }

  /** Shows the last (possibly throttled) iteration, ends the status line and prints the outcome. */
  finish(summary: ProgressSummary): void {
    if (this.pending !== undefined && this.mode !== 'json') this.draw(this.pending);
    this.pending = undefined;
    if (this.mode === 'tty' && this.statusShown) {
      this.stream.write('\n');
      this.statusShown = false;
    }
    const why =
      summary.reason !== undefined
        ? `done: ${summary.reason.message}`
        : summary.interrupted === true
          ? 'interrupted'
          : 'stopped';
    const checkpoint = summary.checkpointDir === undefined ? '' : `; checkpoint ${summary.checkpointDir}`;
    const restarts = summary.runnerRestarts ?? 0;
    const rebuilt =
      restarts === 0
        ? ''
        : `; env runners rebuilt ${restarts} time${restarts === 1 ? '' : 's'} (see the log)`;
    this.message(`${why}${checkpoint}${rebuilt}`);
  }

  /** The status line for `result` (without newline or escape codes). */
  formatLine(result: IterationResult): string {
    const parts = [
      `iter ${result.iteration}`,
      `steps ${formatCount(result.envSteps)}`,
      `return ${formatReturn(result.episodeReturnMean)}`,
    ];
    if (result.evaluation !== undefined)
      parts.push(`eval ${formatReturn(result.evaluation.episodeReturnMean)}`);
    parts.push(`${formatCount(result.envStepsPerS)} steps/s`, formatDuration(result.timeMs));
    // No ETA on the row that stops the run; with a return target the budget is only an upper bound.
    const fraction =
      shouldStop(this.stop, result) === undefined ? stopProgress(this.stop, result) : undefined;
    if (fraction !== undefined && fraction > 0) {
      const bound = this.stop.episodeReturnMean === undefined ? '' : '<=';
      parts.push(`ETA ${bound}${formatDuration((result.timeMs * (1 - fraction)) / fraction)}`);
    }
    return parts.join(' | ');
  }

  private draw(result: IterationResult): void {
    const line = this.formatLine(result);
    if (this.mode === 'tty') {
      const width = this.stream.columns;
      const fitted =
        width !== undefined && width > 1 && line.length >= width ? line.slice(0, width - 1) : line;
      this.stream.write(`\r\x1b[2K${fitted}`);
      this.statusShown = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }
}
