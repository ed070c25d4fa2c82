/**
 * Writes one line per iteration to `<runDir>/results.jsonl` (the full nested row) and
 * `<runDir>/progress.csv` (flattened keys such as `evaluation.episodeReturnMean`).
 *
 * The CSV header is the union of the keys seen so far in first-seen order; when a row brings a new key
 * (evaluation results appear on the first evaluating iteration), the file is rewritten with the wider
 * header and earlier rows get empty cells, so every column stays aligned.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../core/logger.js';
import { flattenMetrics, type IterationResult } from './iteration-result.js';
import { pruneTensorBoardEvents } from './tensorboard-reader.js';
import { TensorBoardWriter } from './tensorboard-writer.js';

const log = createLogger('metrics');

type FlatRow = Record<string, string | number | boolean | null>;

/** Options of {@link MetricsLogger}. */
export interface MetricsLoggerOptions {
  /**
   * Continue the run in `runDir` after resuming from this iteration's checkpoint: rows with a higher
   * iteration (written after the checkpoint) are dropped so the files read as one run. Without it,
   * existing files are replaced.
   */
  readonly resumeFromIteration?: number;
  /**
   * Also write TensorBoard scalars (step = lifetime env steps) into `runDir`. Whether or not this is
   * on, event files already in `runDir` are deleted (a fresh run) or cut at the last kept row's env
   * steps (a resumed run), so they agree with results.jsonl. @default false
   */
  readonly tensorboard?: boolean;
}

function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The per-iteration results writer of a run. */
export class MetricsLogger {
  /** `<runDir>/results.jsonl`. */
  readonly resultsPath: string;
  /** `<runDir>/progress.csv`. */
  readonly progressPath: string;
  private readonly rows: FlatRow[] = [];
  private readonly columns: string[] = [];
  private readonly columnSet = new Set<string>();
  private readonly tensorboard: TensorBoardWriter | undefined;

  /**
   * Creates `runDir` if needed and starts (or, with `resumeFromIteration`, continues) its files.
   * @throws Error from the file system.
   */
  constructor(runDir: string, options: MetricsLoggerOptions = {}) {
    mkdirSync(runDir, { recursive: true });
    this.resultsPath = join(runDir, 'results.jsonl');
    this.progressPath = join(runDir, 'progress.csv');
    const kept: string[] = [];
    if (options.resumeFromIteration !== undefined && existsSync(this.resultsPath)) {
      const lines = readFileSync(this.resultsPath, 'utf8').split('\n');
      lines.forEach((line, index) => {
        if (line.trim() === '') return;
        let row: unknown;
        try {
          row = JSON.parse(line);
        } catch {
          // A run killed mid-write leaves a partial last line; anything else is worth a warning too.
          log.warn(`${this.resultsPath}:${index + 1}: skipping a line that is not JSON`);
          return;
        }
        const iteration = (row as { iteration?: unknown } | null)?.iteration;
        if (typeof iteration !== 'number' || iteration > options.resumeFromIteration!) return;
        kept.push(line);
        this.addColumns(this.rows[this.rows.push(flattenMetrics(row as IterationResult)) - 1]!);
      });
    }
    writeFileSync(this.resultsPath, kept.map((l) => `${l}\n`).join(''));
    this.rewriteCsv();
    const lastEnvSteps = this.rows.at(-1)?.['envSteps'];
    pruneTensorBoardEvents(
      runDir,
      options.resumeFromIteration === undefined
        ? undefined
        : typeof lastEnvSteps === 'number'
          ? lastEnvSteps
          : 0,
    );
    this.tensorboard = options.tensorboard === true ? new TensorBoardWriter(runDir) : undefined;
  }

  /** The TensorBoard events file, when enabled. */
  get tensorboardPath(): string | undefined {
    return this.tensorboard?.path;
  }

  /** Rows logged so far (including those kept on resume). */
  get numRows(): number {
    return this.rows.length;
  }

  /**
   * Appends one iteration's results to both files (synchronously, so a crash loses at most this row).
   * @throws Error from the file system.
   */
  log(result: IterationResult): void {
    appendFileSync(this.resultsPath, `${JSON.stringify(result)}\n`);
    const flat = flattenMetrics(result);
    this.rows.push(flat);
    if (this.addColumns(flat)) {
      this.rewriteCsv();
    } else {
      appendFileSync(this.progressPath, `${this.csvLine(flat)}\n`);
    }
    this.tensorboard?.addScalars(result.envSteps, flat);
  }

  /**
   * Appends histograms of `weights` (tagged `weights/<name>`) at `envSteps` to the TensorBoard file;
   * nothing when TensorBoard is off.
   * @throws Error from the file system.
   */
  logWeights(
    envSteps: number,
    weights: readonly { readonly name: string; readonly data: ArrayLike<number> }[],
  ): void {
    if (this.tensorboard === undefined) return;
    this.tensorboard.addHistograms(
      envSteps,
      Object.fromEntries(weights.map((w) => [`weights/${w.name}`, w.data])),
    );
  }

  /** Returns true when `row` brought new columns. */
  private addColumns(row: FlatRow): boolean {
    let added = false;
    for (const key of Object.keys(row)) {
      if (!this.columnSet.has(key)) {
        this.columnSet.add(key);
        this.columns.push(key);
        added = true;
      }
    }
    return added;
  }

  private csvLine(row: FlatRow): string {
    return this.columns.map((c) => csvCell(row[c])).join(',');
  }

  private rewriteCsv(): void {
    const lines = this.columns.length === 0 ? [] : [this.columns.map((c) => csvCell(c)).join(',')];
    for (const row of this.rows) lines.push(this.csvLine(row));
    const tmp = `${this.progressPath}.tmp`;
    writeFileSync(tmp, lines.map((l) => `${l}\n`).join(''));
    renameSync(tmp, this.progressPath);
  }
}
