/**
 * Mean and spread over seeds: the runs of a group are interpolated linearly onto a common x grid
 * (up to the smallest last x among them, so every point averages every seed), then the mean and the
 * sample standard deviation over runs are taken per grid point. A group of one run is its own curve.
 */
import type { RunCurve } from './read-run.js';

/** One point of an aggregated curve. */
export interface CurvePoint {
  readonly x: number;
  readonly mean: number;
  /** mean - std and mean + std over runs (equal to the mean for one run). */
  readonly lower: number;
  readonly upper: number;
}

/** The curve of one group of runs. */
export interface GroupCurve {
  /** Legend label: `<algo> <env> (n seeds, mean ± std)`, made unique when groups share a label. */
  readonly label: string;
  readonly runDirs: readonly string[];
  readonly points: readonly CurvePoint[];
}

/** y of a piecewise-linear curve at x (x within its range). */
function interpolate(points: readonly (readonly [number, number])[], x: number): number {
  const hi = points.findIndex(([px]) => px >= x);
  if (hi === -1) return points.at(-1)![1];
  if (hi === 0) return points[0]![1];
  const [x0, y0] = points[hi - 1]!;
  const [x1, y1] = points[hi]!;
  return x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

/** Groups `runs` by {@link RunCurve.groupKey} (first-seen order) and aggregates each group. */
export function aggregateCurves(runs: readonly RunCurve[], gridPoints = 100): GroupCurve[] {
  const groups = new Map<string, RunCurve[]>();
  for (const run of runs) {
    if (run.points.length === 0) continue;
    const list = groups.get(run.groupKey) ?? [];
    list.push(run);
    groups.set(run.groupKey, list);
  }
  const out: GroupCurve[] = [];
  for (const members of groups.values()) {
    const first = members[0]!;
    if (members.length === 1) {
      out.push({
        label: first.label,
        runDirs: [first.runDir],
        points: first.points.map(([x, y]) => ({ x, mean: y, lower: y, upper: y })),
      });
      continue;
    }
    const start = Math.max(...members.map((r) => r.points[0]![0]));
    const end = Math.min(...members.map((r) => r.points.at(-1)![0]));
    const points: CurvePoint[] = [];
    const n = end > start ? gridPoints : 1;
    for (let i = 0; i < n; i++) {
      const x = n === 1 ? end : start + ((end - start) * i) / (n - 1);
      const ys = members.map((r) => interpolate(r.points, x));
      const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
      // Sample standard deviation (n - 1): the seeds are a sample of the runs one could do.
      const std = Math.sqrt(ys.reduce((s, y) => s + (y - mean) ** 2, 0) / (ys.length - 1));
      points.push({ x, mean, lower: mean - std, upper: mean + std });
    }
    out.push({
      label: `${first.label} (${members.length} seeds, mean ± std)`,
      runDirs: members.map((r) => r.runDir),
      points,
    });
  }
  // Two groups with one label (same algo and env, other hyperparameters): tell them apart.
  const counts = new Map<string, number>();
  for (const g of out) counts.set(g.label, (counts.get(g.label) ?? 0) + 1);
  const seen = new Map<string, number>();
  return out.map((g) => {
    if (counts.get(g.label) === 1) return g;
    const k = (seen.get(g.label) ?? 0) + 1;
    seen.set(g.label, k);
    return { ...g, label: `${g.label} #${k}` };
  });
}
