/**
 * `rl bench train`: time and env steps to each preset's threshold, measured as a user sees them: from
 * launching `node bin/rl.js train ... --json` to the iteration line whose windowed mean return first
 * reaches the preset's `expect.episodeReturnMean` (the issues' threshold: mean of the last 20 episodes).
 * Each run is a fresh process (start-up, tfjs import and backend init included), one at a time.
 *
 * APEX-DQN's CartPole preset runs next to DQN's, so their times to 475 are from the same window.
 * Then `sampling`: sampled env steps/s with the inline runner and 1, 2 and 4 runner actors, with the
 * ratio to one runner (bench/sampling.ts).
 *
 * Environment: TSRL_BENCH_SEEDS (runs per preset, seeds 0..n-1; default 5), TSRL_BENCH_PRESETS
 * (comma-separated preset files under configs/; default the CartPole PPO/DQN/APEX and Pendulum SAC
 * ones), TSRL_BENCH_SAMPLING_MS (measured wall time per runner count; default 3000, 0 skips it).
 * Needs the build (dist/), as `rl` does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../rl/version.js';
import { PYTHON_PEERS } from './recorded.js';
import { benchSampling } from './sampling.js';

const ROOT = PACKAGE_ROOT;
const DEFAULT_PRESETS = ['cartpole-ppo.yaml', 'cartpole-dqn.yaml', 'cartpole-apex.yaml', 'pendulum-sac.yaml'];

/** One run of a preset. */
export interface TrainRun {
  readonly seed: number;
  readonly reached: boolean;
  /** Seconds from launch to the first line at or above the threshold (or to the end of the run). */
  readonly timeS: number;
  /** Lifetime env steps on that line. */
  readonly envSteps: number;
  readonly returnMean: number | null;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Reads a preset's algorithm and threshold. @throws Error naming the file when either is missing. */
function presetFacts(file: string): { algo: string; threshold: number } {
  const data = parse(readFileSync(join(ROOT, 'configs', file), 'utf8')) as {
    algo?: unknown;
    expect?: { episodeReturnMean?: unknown };
  };
  const threshold = data.expect?.episodeReturnMean;
  if (typeof data.algo !== 'string' || typeof threshold !== 'number') {
    throw new Error(`bench train: configs/${file} needs "algo" and "expect.episodeReturnMean".`);
  }
  return { algo: data.algo, threshold };
}

/** Launches one training run and resolves when it reaches `threshold` (then stops it) or ends. */
function runOnce(file: string, algo: string, threshold: number, seed: number): Promise<TrainRun> {
  const output = mkdtempSync(join(tmpdir(), 'tsrl-bench-train-'));
  const args = ['bin/rl.js', 'train', '--algo', algo, '--config', join('configs', file)];
  args.push('--seed', String(seed), '--json', '--output', output);
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise<TrainRun>((resolve, reject) => {
    let buffered = '';
    let last: TrainRun = { seed, reached: false, timeS: 0, envSteps: 0, returnMean: null };
    let settled = false;
    const finish = (run: TrainRun): void => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      rmSync(output, { recursive: true, force: true });
      resolve(run);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (!line.startsWith('{')) continue;
        const row = JSON.parse(line) as { envSteps: number; episodeReturnMean: number | null };
        const timeS = (performance.now() - started) / 1000;
        last = { seed, reached: false, timeS, envSteps: row.envSteps, returnMean: row.episodeReturnMean };
        if (row.episodeReturnMean !== null && row.episodeReturnMean >= threshold)
          finish({ ...last, reached: true });
      }
    });
    child.on('error', (error) => {
      settled = true;
      reject(error);
    });
    child.on('exit', () => finish(last));
  });
}

/** Runs the presets over seeds; see the module comment. */
export async function benchTrain(): Promise<Record<string, unknown>> {
  const seeds = Number(process.env['TSRL_BENCH_SEEDS'] ?? 5);
  const presets = (process.env['TSRL_BENCH_PRESETS'] ?? DEFAULT_PRESETS.join(',')).split(',');
  const results: Record<string, unknown> = {};
  for (const file of presets) {
    const { algo, threshold } = presetFacts(file);
    const runs: TrainRun[] = [];
    for (let seed = 0; seed < seeds; seed++) runs.push(await runOnce(file, algo, threshold, seed));
    const reached = runs.filter((r) => r.reached);
    results[file] = {
      algo,
      threshold,
      reached: `${reached.length}/${runs.length}`,
      medianTimeS: median(reached.map((r) => r.timeS)),
      medianEnvSteps: median(reached.map((r) => r.envSteps)),
      runs,
      // CleanRL and SB3, recorded on another day (source and machine in each figure): not this run.
      peersRecorded: PYTHON_PEERS[file] ?? {},
    };
  }
  const samplingMs = Number(process.env['TSRL_BENCH_SAMPLING_MS'] ?? 3000);
  const sampling =
    samplingMs > 0 ? await benchSampling({ runnerCounts: [0, 1, 2, 4], measureMs: samplingMs }) : [];
  return { machine: { cpus: cpus().length, loadAverage1m: loadavg()[0] }, presets: results, sampling };
}
