/**
 * Ctrl-C as a terminal sends it: SIGINT to the whole process group of `rl train` (the driver and its
 * worker processes), in each mode a run can be in: the inline runner, runner actors sampling
 * synchronously (PPO) and runner actors sampling asynchronously (DQN). The run must finish its
 * iteration, write a checkpoint, exit 0 and leave no process behind. Before workers ignored SIGINT,
 * the runner actors died with the driver's Ctrl-C and the run failed (ActorDiedError, exit 1).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const RL = fileURLToPath(new URL('../../../bin/rl.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Pids in process group `pgid` (none once every process of the run has exited). */
function groupPids(pgid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when the group is empty
  }
}

interface CtrlCOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly processesAtSignal: number;
  readonly runDir: string;
  /** The run's process group (the driver's pid). */
  readonly pgid: number;
}

/** Starts `rl train` in its own process group, sends SIGINT to the group after two result rows. */
function trainThenCtrlC(args: readonly string[]): Promise<CtrlCOutcome> {
  const runDir = mkdtempSync(join(tmpdir(), 'tsrl-ctrl-c-'));
  dirs.push(runDir);
  const argv = [RL, 'train', ...args, '--set', 'stop.timeMs=120000', '--json', '--output', runDir];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let processesAtSignal = 0;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    const rows = stdout.split('\n').filter((l) => l.startsWith('{')).length;
    if (rows >= 2 && processesAtSignal === 0) {
      processesAtSignal = groupPids(child.pid!).length;
      process.kill(-child.pid!, 'SIGINT');
    }
  });
  return new Promise((resolve) => {
    child.on('exit', (code) =>
      resolve({ code, stdout, stderr, processesAtSignal, runDir, pgid: child.pid! }),
    );
  });
}

async function waitForNoProcesses(pgid: number, timeoutMs: number): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  let left = groupPids(pgid);
  while (left.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    left = groupPids(pgid);
  }
  return left;
}

const MODES = [
  { mode: 'inline', args: ['--algo', 'ppo', '--config', 'configs/cartpole-ppo.yaml'], workers: false },
  {
    mode: 'runner actors (PPO, synchronous)',
    args: ['--algo', 'ppo', '--config', 'configs/cartpole-ppo.yaml', '--set', 'envRunners.numEnvRunners=2'],
    workers: true,
  },
  {
    mode: 'runner actors sampling asynchronously (DQN)',
    args: ['--algo', 'dqn', '--config', 'configs/cartpole-dqn.yaml', '--set', 'envRunners.numEnvRunners=2'],
    workers: true,
  },
] as const;

describe('rl train: Ctrl-C (SIGINT to the process group)', () => {
  for (const { mode, args, workers } of MODES) {
    it(`${mode}: finishes the iteration, checkpoints, exits 0, leaves no process`, async () => {
      const r = await trainThenCtrlC(args);
      expect(r.stderr).not.toMatch(/ActorDiedError|failed/);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/interrupted; checkpoint /);
      const checkpoints = join(r.runDir, 'checkpoints');
      expect(existsSync(checkpoints) && readdirSync(checkpoints).some((n) => /^\d+$/.test(n))).toBe(true);
      // The driver alone, or the driver and its worker processes, were running when Ctrl-C came.
      if (workers) expect(r.processesAtSignal).toBeGreaterThan(1);
      expect(await waitForNoProcesses(r.pgid, 10_000)).toEqual([]);
    }, 120_000);
  }
});
