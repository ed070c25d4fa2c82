import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../rl/cli/program.js';
import type { CliWiring } from '../../../rl/cli/wiring.js';
import { aggregateCurves } from '../../../rl/plot/aggregate-curves.js';
import { plotRuns } from '../../../rl/plot/plot-runs.js';
import { PlotInputError, readRunCurve } from '../../../rl/plot/read-run.js';

const root = mkdtempSync(join(tmpdir(), 'tsrl-plot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
/** Where tests leave files for a person to look at (gitignored). */
const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url).pathname;

/** A run directory as `rl train` writes it: config.json and one results row per iteration. */
function fakeRun(name: string, config: Record<string, unknown>, rows: Record<string, unknown>[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'results.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n{"partial`);
  return dir;
}

const ppoConfig = (seed: number) => ({
  algo: 'ppo',
  seed,
  env: { id: 'CartPole-v1' },
  stop: { iterations: seed },
});
/** Returns rising linearly to 500 at 40k steps, offset per seed; null before the first episode. */
function ppoRows(offset: number, lastSteps: number) {
  const rows = [];
  for (let s = 1000; s <= lastSteps; s += 1000) {
    rows.push({
      iteration: s / 1000,
      envSteps: s,
      timeMs: s / 10,
      episodeReturnMean: s === 1000 ? null : Math.min(500, s / 80 + offset),
      learner: { policyLoss: -s / 1e6 },
    });
  }
  return rows;
}
const runs = [
  fakeRun('ppo-0', ppoConfig(0), ppoRows(0, 40_000)),
  fakeRun('ppo-1', ppoConfig(1), ppoRows(20, 42_000)),
  fakeRun('ppo-2', ppoConfig(2), ppoRows(40, 40_000)),
  fakeRun('dqn-0', { algo: 'dqn', seed: 0, env: { id: 'CartPole-v1' } }, ppoRows(-30, 30_000)),
];

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('readRunCurve / aggregateCurves', () => {
  it('reads points, skips nulls and partial lines, and groups seeds of one config', () => {
    const curve = readRunCurve(runs[0]!, 'episodeReturnMean', 'envSteps');
    expect(curve.points[0]).toEqual([2000, 25]);
    expect(curve.points).toHaveLength(39);
    expect(curve.label).toBe('ppo CartPole-v1');
    expect(readRunCurve(runs[1]!, 'learner.policyLoss', 'timeMs').points[0]).toEqual([100, -0.001]);
    const groups = aggregateCurves(
      runs.map((d) => readRunCurve(d, 'episodeReturnMean', 'envSteps')),
      5,
    );
    expect(groups.map((g) => [g.label, g.runDirs.length])).toEqual([
      ['ppo CartPole-v1 (3 seeds, mean ± std)', 3],
      ['dqn CartPole-v1', 1],
    ]);
    // Grid 2000..40000 (the shortest run's end); at x = 11500 the seeds have 143.75, 163.75, 183.75.
    const ppo = groups[0]!.points;
    expect(ppo.map((p) => p.x)).toEqual([2000, 11500, 21000, 30500, 40000]);
    expect(ppo[1]!.mean).toBeCloseTo(163.75, 9);
    expect(ppo[1]!.upper - ppo[1]!.mean).toBeCloseTo(20, 9); // sample std of {-20, 0, 20}
    // At 40k two seeds are capped at 500: mean of 500, 500, 500 with the cap.
    expect(ppo[4]).toEqual({ x: 40000, mean: 500, lower: 500, upper: 500 });
  });

  it('names the missing metric with a did-you-mean, and a directory without results', () => {
    expect(() => readRunCurve(runs[0]!, 'episodeReturnMaen', 'envSteps')).toThrow(
      /no metric "episodeReturnMaen"; did you mean "episodeReturnMean"\? It has: iteration, envSteps/,
    );
    expect(() => readRunCurve(root, 'episodeReturnMean', 'envSteps')).toThrow(PlotInputError);
  });
});

describe('plotRuns', () => {
  it('draws an SVG with one band and one line per group and their legend', async () => {
    const out = join(root, 'curve.svg');
    const result = await plotRuns(runs, { out });
    expect(result.format).toBe('svg');
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('ppo CartPole-v1 (3 seeds, mean ± std)');
    expect(svg).toContain('dqn CartPole-v1');
    expect(svg).toContain('env steps');
    // One band and one line per group, in vega's first two category colors.
    const marks = (role: string) =>
      svg.match(
        new RegExp(`aria-roledescription="${role} mark" d="[^"]+" (fill|stroke)="#[0-9a-f]+"`, 'g'),
      ) ?? [];
    expect(marks('area').map((m) => m.slice(-8, -1))).toEqual(['#4c78a8', '#f58518']);
    expect(marks('line').map((m) => m.slice(-8, -1))).toEqual(['#4c78a8', '#f58518']);
  });

  it('writes a PNG through the CLI whose pixels show both curves', async () => {
    const out = join(root, 'curve.png');
    const stdout = new Capture();
    const wiring: CliWiring = {
      version: '0',
      stdout,
      stderr: new Capture(),
      algorithmNames: [],
      loadAlgorithm: () => Promise.reject(new Error('unused')),
      benchSuites: {},
    };
    const code = await runCli(
      ['node', 'rl', 'plot', ...runs, '--metric', 'episodeReturnMean', '--x', 'timeMs', '--out', out],
      wiring,
    );
    expect(code).toBe(0);
    expect(stdout.text).toContain(
      `wrote ${out} (ppo CartPole-v1 (3 seeds, mean ± std): 3 run(s); dqn CartPole-v1: 1 run(s))`,
    );
    const png = readFileSync(out);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const width = png.readUInt32BE(16);
    expect(width).toBeGreaterThan(1200); // drawn at 2x
    // Decode by re-rendering the PNG as an image in an SVG: count pixels of each line color.
    const img = new Resvg(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${png.readUInt32BE(20)}"><image href="data:image/png;base64,${png.toString('base64')}" width="${width}" height="${png.readUInt32BE(20)}"/></svg>`,
    ).render();
    const pixels = img.pixels; // a getter that copies: read it once
    const count = (r: number, g: number, b: number) => {
      let n = 0;
      for (let i = 0; i < pixels.length; i += 4)
        if (pixels[i] === r && pixels[i + 1] === g && pixels[i + 2] === b) n++;
      return n;
    };
    expect(count(0x4c, 0x78, 0xa8)).toBeGreaterThan(500);
    expect(count(0xf5, 0x85, 0x18)).toBeGreaterThan(500);
    mkdirSync(ARTIFACTS, { recursive: true });
    copyFileSync(out, join(ARTIFACTS, 'plot-fixture.png'));
  });

  it('rejects an output that is neither .png nor .svg, with exit code 2 from the CLI', async () => {
    await expect(plotRuns(runs, { out: join(root, 'curve.jpg') })).rejects.toThrow(
      /curve\.jpg: the file must end in \.svg or \.png\./,
    );
    const stderr = new Capture();
    const code = await runCli(['node', 'rl', 'plot', runs[0]!, '--x', 'steps'], {
      version: '0',
      stdout: new Capture(),
      stderr,
      algorithmNames: [],
      loadAlgorithm: () => Promise.reject(new Error('unused')),
      benchSuites: {},
    });
    expect(code).toBe(2);
    expect(stderr.text).toContain('expected envSteps or timeMs, got "steps"');
  });
});
