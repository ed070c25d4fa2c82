/** `rl plot` without the CLI: run directories in, an SVG or PNG learning-curve file out. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { aggregateCurves, type GroupCurve } from './aggregate-curves.js';
import { type CurveX, PlotInputError, readRunCurve } from './read-run.js';
import { plotSpec, renderSvg, svgToPng } from './render-plot.js';

/** Options of {@link plotRuns}. */
export interface PlotRunsOptions {
  /** A dotted metric name, as in progress.csv. @default 'episodeReturnMean' */
  readonly metric?: string;
  /** @default 'envSteps' */
  readonly x?: CurveX;
  /** The output file; `.svg` or `.png`. */
  readonly out: string;
  readonly title?: string;
}

/** What {@link plotRuns} drew. */
export interface PlotRunsResult {
  readonly out: string;
  readonly format: 'svg' | 'png';
  readonly groups: readonly GroupCurve[];
}

/**
 * Plots the curves of `runDirs` (seeds of the same config averaged, with a +-1 std band) to `out`.
 * @throws PlotInputError for a bad extension, a run without results or the metric, or no points at all.
 */
export async function plotRuns(
  runDirs: readonly string[],
  options: PlotRunsOptions,
): Promise<PlotRunsResult> {
  const metric = options.metric ?? 'episodeReturnMean';
  const x = options.x ?? 'envSteps';
  const ext = extname(options.out).toLowerCase();
  if (ext !== '.svg' && ext !== '.png')
    throw new PlotInputError(`--out ${options.out}: the file must end in .svg or .png.`);
  if (runDirs.length === 0) throw new PlotInputError('give at least one run directory.');
  const groups = aggregateCurves(runDirs.map((dir) => readRunCurve(resolve(dir), metric, x)));
  if (groups.length === 0)
    throw new PlotInputError(`no run has a value of "${metric}" yet (null until the first episode ends).`);
  const svg = await renderSvg(
    plotSpec(groups, { metric, x, ...(options.title === undefined ? {} : { title: options.title }) }),
  );
  const out = resolve(options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, ext === '.svg' ? svg : await svgToPng(svg));
  return { out, format: ext === '.svg' ? 'svg' : 'png', groups };
}
