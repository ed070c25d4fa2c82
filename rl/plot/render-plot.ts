/**
 * Draws aggregated learning curves headless: a Vega-Lite spec (a band for the spread, a line for the
 * mean, one color per group) compiled to Vega and rendered to SVG without a browser or canvas, then
 * to PNG with resvg. Both libraries load only when a plot is drawn.
 */
import type { GroupCurve } from './aggregate-curves.js';
import type { CurveX } from './read-run.js';

/** Options of {@link plotSpec}. */
export interface PlotSpecOptions {
  readonly metric: string;
  readonly x: CurveX;
  /** Plot area size in CSS pixels. @default 640 x 360 */
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
}

const X_TITLES: Readonly<Record<CurveX, string>> = { envSteps: 'env steps', timeMs: 'wall time (s)' };
/** DejaVu Sans is on Debian by default (fonts-dejavu-core), so SVG and PNG text look the same. */
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** The Vega-Lite spec of the curves (plain JSON, no data URLs). */
export function plotSpec(groups: readonly GroupCurve[], options: PlotSpecOptions): Record<string, unknown> {
  const scale = options.x === 'timeMs' ? 1 / 1000 : 1;
  const values = groups.flatMap((g) =>
    g.points.map((p) => ({ run: g.label, x: p.x * scale, mean: p.mean, lower: p.lower, upper: p.upper })),
  );
  const x = { field: 'x', type: 'quantitative', title: X_TITLES[options.x] };
  const color = { field: 'run', type: 'nominal', title: null, sort: groups.map((g) => g.label) };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: options.width ?? 640,
    height: options.height ?? 360,
    background: 'white',
    padding: 12,
    title: options.title ?? options.metric,
    // The legend merges both layers; opaque stroke symbols show the lines' colors, not the bands'.
    config: {
      font: FONT,
      legend: {
        orient: 'bottom',
        labelLimit: 400,
        symbolType: 'stroke',
        symbolOpacity: 1,
        symbolStrokeWidth: 3,
      },
    },
    data: { values },
    layer: [
      {
        mark: { type: 'area', opacity: 0.2 },
        encoding: {
          x,
          y: { field: 'lower', type: 'quantitative' },
          y2: { field: 'upper' },
          color,
        },
      },
      {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', title: options.metric, scale: { zero: false } },
          color,
        },
      },
    ],
  };
}

/** Renders a Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A PNG of an SVG document at `scale` times its size (2 gives crisp text on high-DPI screens). */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
