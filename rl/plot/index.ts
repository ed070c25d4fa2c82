/** Learning-curve plots of run directories (`rl plot`): mean and spread over seeds, SVG or PNG. */
export { aggregateCurves, type CurvePoint, type GroupCurve } from './aggregate-curves.js';
export { type PlotRunsOptions, type PlotRunsResult, plotRuns } from './plot-runs.js';
export { type CurveX, PlotInputError, type RunCurve, readRunCurve } from './read-run.js';
export { type PlotSpecOptions, plotSpec, renderSvg, svgToPng } from './render-plot.js';
