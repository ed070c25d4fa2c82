/**
 * The dashboard end to end: a real (short) training run with env runners as actors and a live run
 * whose results grow during the test, served by startDashboard and driven in headless Chromium.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAlgorithm } from '../../../algorithms/index.js';
import { ppo } from '../../../algorithms/ppo/index.js';
import { setLogLevel } from '../../../core/logger.js';
import type { AnyAlgorithmDefinition } from '../../../rl/algorithm.js';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { type Dashboard, startDashboard } from '../../../rl/dashboard/dashboard-server.js';
import { playEpisode } from '../../../rl/dashboard/play-episode.js';
import type { RunSummary } from '../../../rl/dashboard/run-index.js';
import type { RuntimeSnapshot } from '../../../rl/training/runtime-snapshot.js';
import { train } from '../../../rl/training/train.js';
import { ARTIFACTS_DIR, launchChromium } from '../../browser/chromium.js';

setLogLevel('error');
const root = mkdtempSync(join(tmpdir(), 'tsrl-dashboard-'));
const logDir = join(root, 'runs');
const finishedRun = join(logDir, 'ppo-finished');
const liveRun = join(logDir, 'dqn-live');
let dashboard: Dashboard;

const row = (iteration: number) => ({
  iteration,
  envSteps: iteration * 1000,
  episodeReturnMean: 10 + 5 * iteration,
  timeMs: iteration * 100,
});

beforeAll(async () => {
  const schema = buildConfigSchema(ppo.trainingSchema, { refine: (c, ctx) => ppo.refineConfig?.(c, ctx) });
  const config = resolveConfig({
    schema,
    algo: 'ppo',
    sets: [
      'seed=2',
      'backend=cpu',
      'env.id=CartPole-v1',
      'env.numEnvsPerRunner=4',
      'envRunners.numEnvRunners=1',
      'envRunners.rolloutFragmentLength=64',
      'model.hiddenSizes=[16]',
      'training.numMinibatches=2',
      'training.numEpochs=2',
      'stop.iterations=24',
    ],
  });
  await train(config, {
    algorithm: ppo as unknown as AnyAlgorithmDefinition,
    runDir: finishedRun,
    handleSigint: false,
  });
  // Finished an hour ago; the live run was written just now.
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(join(finishedRun, 'results.jsonl'), hourAgo, hourAgo);
  mkdirSync(liveRun, { recursive: true });
  writeFileSync(
    join(liveRun, 'config.json'),
    JSON.stringify({ algo: 'dqn', seed: 0, env: { id: 'CartPole-v1' } }),
  );
  writeFileSync(join(liveRun, 'results.jsonl'), `${JSON.stringify(row(1))}\n${JSON.stringify(row(2))}\n`);
  dashboard = await startDashboard({ logDir, port: 0, resolveAlgorithm: getAlgorithm });
}, 120_000);
afterAll(async () => {
  await dashboard?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('dashboard API', () => {
  it('binds to loopback and lists running and finished runs with their runtime snapshot', async () => {
    expect(dashboard.host).toBe('127.0.0.1');
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`);
    const { runs } = (await (await fetch(`${dashboard.url}api/runs`)).json()) as { runs: RunSummary[] };
    expect(runs.map((r) => [r.name, r.status, r.iterations, r.algo, r.envId])).toEqual([
      ['dqn-live', 'running', 2, 'dqn', 'CartPole-v1'],
      ['ppo-finished', 'finished', 24, 'ppo', 'CartPole-v1'],
    ]);
    const runtime = runs[1]!.runtime!;
    expect(runtime.actors).toMatchObject({ envRunners: 1, envRunnerMode: 'actors', learners: 1 });
    expect(runtime.runtime?.workerPids.length).toBeGreaterThanOrEqual(1);
    expect(runs[1]!.checkpoints).toEqual([24]);
  });

  it('rejects run names outside the log directory and unknown runs', async () => {
    const outside = await fetch(`${dashboard.url}api/curve?run=../../etc`);
    expect(outside.status).toBe(400);
    expect(((await outside.json()) as { error: string }).error).toContain('outside the log directory');
    expect((await fetch(`${dashboard.url}api/episode?run=nope`)).status).toBe(404);
    expect((await fetch(`${dashboard.url}api/episode?run=dqn-live`)).status).toBe(422); // no checkpoint
  });
});

describe('dashboard page in Chromium', () => {
  it('shows live curves, the cluster view, and plays an episode from a checkpoint', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${dashboard.url}?pollMs=250`);
      await page.waitForSelector('path.curve[data-run="ppo-finished"]');
      await page.waitForSelector('path.curve[data-run="dqn-live"]');
      expect(await page.locator('#runs tr[data-run]').count()).toBe(2);
      expect(await page.textContent('tr[data-run="dqn-live"] .status')).toBe('running');
      expect(await page.textContent('tr[data-run="ppo-finished"] .status')).toBe('finished');

      // Cluster view from the finished run's runtime.json (the live one has none).
      const snapshot = JSON.parse(readFileSync(join(finishedRun, 'runtime.json'), 'utf8')) as RuntimeSnapshot;
      const runtimeText = await page.textContent('#cluster dd.runtime');
      expect(runtimeText).toBe(
        `${snapshot.runtime!.mode} mode, ${snapshot.runtime!.workerPids.length} worker process(es), ${snapshot.runtime!.numPendingTasks} pending task(s)`,
      );
      expect(await page.textContent('#cluster dd.actors')).toContain(
        '1 env runner(s) (actors, 0 restart(s)), 1 learner(s)',
      );
      expect(await page.textContent('#cluster dd.object-store')).toMatch(
        /^\d+ object\(s\), .* of .*, \d+ spilled$/,
      );

      // Live: new rows of the running run show up without a reload.
      const before = await page.getAttribute('path.curve[data-run="dqn-live"]', 'd');
      appendFileSync(
        join(liveRun, 'results.jsonl'),
        `${JSON.stringify(row(3))}\n${JSON.stringify(row(4))}\n`,
      );
      await page.waitForFunction(
        "document.querySelector('tr[data-run=\"dqn-live\"] .env-steps')?.textContent === '4000'",
        null,
        { timeout: 20_000 },
      );
      const after = await page.getAttribute('path.curve[data-run="dqn-live"]', 'd');
      expect(after!.split('L').length).toBe(before!.split('L').length + 2);

      // An episode of the checkpoint, drawn frame by frame; the same one playEpisode records in Node.
      const expected = await playEpisode(finishedRun, { resolveAlgorithm: getAlgorithm, seed: 0 });
      await page.click('button.play[data-run="ppo-finished"]');
      await page.waitForFunction('window.tsrlDashboard.episode?.done === true', null, { timeout: 60_000 });
      const episode = (await page.evaluate('window.tsrlDashboard.episode')) as {
        length: number;
        drawn: number;
        episodeReturn: number;
      };
      expect(episode.length).toBe(expected.length);
      expect(episode.drawn).toBe(expected.length + 1);
      expect(episode.episodeReturn).toBe(expected.episodeReturn);
      expect(await page.textContent('#episode-status')).toContain(
        `ppo-finished: return ${expected.episodeReturn.toFixed(1)} in ${expected.length} steps`,
      );
      // The canvas has the cart drawn (dark pixels), not a blank frame.
      const dark = await page.evaluate(`(() => {
        const c = document.getElementById('episode');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] < 80 && d[i + 1] < 80 && d[i + 2] < 80) n++;
        return n;
      })()`);
      expect(dark).toBeGreaterThan(500);
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});

describe('rl dashboard (the CLI, in a process of its own)', () => {
  it('prints its loopback URL, plays an episode in a process that made no env before, and stops on SIGTERM', async () => {
    const repo = new URL('../../../', import.meta.url).pathname;
    const script = `import('./bin/main.ts').then((m) => m.main(['node', 'rl', 'dashboard', '--logdir', ${JSON.stringify(logDir)}, '--port', '0'])).then((code) => { process.exitCode = code; });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const deadline = Date.now() + 60_000;
      while (!/http:\/\/127\.0\.0\.1:\d+\//.test(out) && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 100));
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0];
      expect(url, out).toBeDefined();
      const res = await fetch(`${url}api/episode?run=ppo-finished&seed=0`);
      const expected = await playEpisode(finishedRun, { resolveAlgorithm: getAlgorithm, seed: 0 });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { length: number }).length).toBe(expected.length);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
