/**
 * `rl plot` on real runs: the CartPole PPO preset trained with three seeds (30k env steps each), plotted
 * as mean ± std over the seeds. Leaves the PNG for a person at test-artifacts/plot.png.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ppo } from '../../../algorithms/ppo/index.js';
import { setLogLevel } from '../../../core/logger.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { runCli } from '../../../rl/cli/program.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { aggregateCurves } from '../../../rl/plot/aggregate-curves.js';
import { readRunCurve } from '../../../rl/plot/read-run.js';
import { train } from '../../../rl/training/train.js';
import { ARTIFACTS_DIR } from '../../browser/chromium.js';

const root = mkdtempSync(join(tmpdir(), 'tsrl-plot-trained-'));
const runs = [0, 1, 2].map((seed) => join(root, `ppo-seed${seed}`));
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  setLogLevel('error');
  const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
  for (const [seed, runDir] of runs.entries()) {
    const config = resolveConfig({
      schema,
      algo: 'ppo',
      file: new URL('../../../configs/cartpole-ppo.yaml', import.meta.url).pathname,
      sets: [`seed=${seed}`, 'backend=wasm', 'stop.episodeReturnMean=null', 'stop.envSteps=30000'],
    });
    await train(config, { algorithm: ppo as unknown as AnyAlgorithmDefinition, runDir, handleSigint: false });
  }
}, 300_000);

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('rl plot on three trained seeds', () => {
  it('draws their mean ± std learning curve, which rises, as a PNG', async () => {
    const groups = aggregateCurves(
      runs.map((d) => readRunCurve(d, 'episodeReturnMean', 'envSteps')),
      20,
    );
    expect(groups.map((g) => g.label)).toEqual(['ppo CartPole-v1 (3 seeds, mean ± std)']);
    const points = groups[0]!.points;
    // The preset learns: the mean over seeds gains at least 100 between the first and last grid point.
    expect(points.at(-1)!.mean - points[0]!.mean).toBeGreaterThan(100);
    // The seeds differ: the band has width.
    expect(points.some((p) => p.upper - p.lower > 1)).toBe(true);

    const out = join(root, 'curve.png');
    const stdout = new Capture();
    const code = await runCli(['node', 'rl', 'plot', ...runs, '--out', out], {
      version: '0',
      stdout,
      stderr: new Capture(),
      algorithmNames: [],
      loadAlgorithm: () => Promise.reject(new Error('unused')),
      benchSuites: {},
    });
    expect(code).toBe(0);
    expect(stdout.text).toContain('ppo CartPole-v1 (3 seeds, mean ± std): 3 run(s)');
    const png = readFileSync(out);
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    const img = new Resvg(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><image href="data:image/png;base64,${png.toString('base64')}" width="${width}" height="${height}"/></svg>`,
    ).render();
    const pixels = img.pixels;
    let line = 0;
    for (let i = 0; i < pixels.length; i += 4)
      if (pixels[i] === 0x4c && pixels[i + 1] === 0x78 && pixels[i + 2] === 0xa8) line++;
    expect(line).toBeGreaterThan(500);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    copyFileSync(out, join(ARTIFACTS_DIR, 'plot.png'));
  });
});
