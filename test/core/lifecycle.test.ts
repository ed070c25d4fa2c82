/**
 * No worker outlives its driver: killed with SIGKILL, or ending without shutdown(). Each test starts a
 * driver and its workers (seconds each on a loaded 2-core machine), hence the long test timeouts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually } from './runtime-suite.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const driverPath = fileURLToPath(new URL('./fixtures/driver.ts', import.meta.url));

/** Pids of live worker processes started for `driverPid` (from /proc: Linux only, else empty). */
function workersOf(driverPid: number): number[] {
  if (!existsSync('/proc')) return [];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (env.includes(`TSRL_PARENT_PID=${driverPid}\0`) && env.includes('TSRL_WORKER_ID='))
        found.push(Number(entry));
    } catch {
      // The process ended or is not ours to read.
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The shared-object folders a driver left in /dev/shm (or the temp folder). */
function sharedFoldersOf(driverPid: number): string[] {
  const parent = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return readdirSync(parent).filter((f) => f.startsWith(`tsrl-shm-${driverPid}-`));
}

function startDriver(mode: string): { child: ChildProcess; pids: Promise<number[]> } {
  const child = spawn(process.execPath, ['--import', tsx, driverPath, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pids = new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) resolve((JSON.parse(line) as { pids: number[] }).pids);
    });
    child.on('exit', (code) => reject(new Error(`driver exited (${code}) before printing pids: ${out}`)));
  });
  return { child, pids };
}

describe('worker lifecycle', () => {
  it('workers exit when the driver is killed with SIGKILL', async () => {
    const { child, pids } = startDriver('hang');
    const workerPids = await pids;
    expect(workerPids.length).toBe(2);
    expect(sharedFoldersOf(child.pid ?? -1).length).toBe(1);
    child.kill('SIGKILL');
    expect(await eventually(() => workerPids.every((p) => !alive(p)), 10_000)).toBe(true);
    expect(await eventually(() => workersOf(child.pid ?? -1).length === 0, 10_000)).toBe(true);
    // The workers' watchdogs remove the shared folder the killed driver could not.
    expect(sharedFoldersOf(child.pid ?? -1)).toEqual([]);
  }, 120_000);

  it('workers busy in synchronous code exit when the driver is killed with SIGKILL', async () => {
    const { child, pids } = startDriver('busy');
    const workerPids = await pids;
    expect(workerPids.length).toBe(2);
    child.kill('SIGKILL');
    expect(await eventually(() => workerPids.every((p) => !alive(p)), 10_000)).toBe(true);
  }, 120_000);

  it('a driver that never calls shutdown() still exits, and so do its workers, leaving no files', async () => {
    const { child, pids } = startDriver('forget');
    const workerPids = await pids;
    const exited = await eventually(() => child.exitCode !== null || child.signalCode !== null, 15_000);
    if (!exited) child.kill('SIGKILL');
    expect(exited).toBe(true);
    expect(await eventually(() => workerPids.every((p) => !alive(p)), 10_000)).toBe(true);
    expect(await eventually(() => workersOf(child.pid ?? -1).length === 0, 10_000)).toBe(true);
    const left = readdirSync(tmpdir()).filter((f) => f.startsWith(`tsrl-${child.pid}-`));
    expect(left).toEqual([]);
    expect(sharedFoldersOf(child.pid ?? -1)).toEqual([]);
  }, 120_000);

  it('await init(); await shutdown(); settles and the process exits 0', async () => {
    const child = spawn(process.execPath, ['--import', tsx, driverPath, 'settle'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(out).toContain('settled');
    expect(code).toBe(0);
  }, 120_000);
});
