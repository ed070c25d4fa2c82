/**
 * The runs under a log directory, as the dashboard lists them: every folder (up to two levels deep)
 * with a `results.jsonl`, its config's algorithm and env, its last row, its checkpoints and its
 * `runtime.json` (the cluster view of a live run).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { listCheckpoints } from '../checkpoint/load-checkpoint.js';
import type { RuntimeSnapshot } from '../training/runtime-snapshot.js';

/**
 * A run without an end mark in runtime.json is shown as running while its results were written this
 * recently, or while the process that wrote its runtime.json is alive on this host.
 */
export const RUNNING_WITHIN_MS = 30_000;

/** One run in the list. */
export interface RunSummary {
  /** Path relative to the log directory (its id in the dashboard's URLs). */
  readonly name: string;
  readonly algo: string | null;
  readonly envId: string | null;
  /**
   * `finished` when runtime.json says the run ended; else `running` when results.jsonl changed in the
   * last {@link RUNNING_WITHIN_MS} or the run's process is alive on this host; else `finished`
   * (killed without a word).
   */
  readonly status: 'running' | 'finished';
  readonly iterations: number;
  readonly envSteps: number;
  readonly episodeReturnMean: number | null;
  readonly updatedAtMs: number;
  /** Iterations with a checkpoint. */
  readonly checkpoints: readonly number[];
  readonly runtime: RuntimeSnapshot | null;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function lastRow(path: string): Record<string, unknown> | undefined {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]!) as Record<string, unknown>;
    } catch {
      // a partial line being written: take the one before
    }
  }
  return undefined;
}

function summarize(logDir: string, dir: string, nowMs: number): RunSummary {
  const results = join(dir, 'results.jsonl');
  const row = lastRow(results);
  const config = readJson(join(dir, 'config.json')) as { algo?: unknown; env?: { id?: unknown } } | undefined;
  const updatedAtMs = statSync(results).mtimeMs;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const runtime = (readJson(join(dir, 'runtime.json')) as RuntimeSnapshot | undefined) ?? null;
  return {
    name: relative(logDir, dir),
    algo: typeof config?.algo === 'string' ? config.algo : null,
    envId: typeof config?.env?.id === 'string' ? config.env.id : null,
    status: isRunning(runtime, nowMs - updatedAtMs) ? 'running' : 'finished',
    iterations: num(row?.['iteration']) ?? 0,
    envSteps: num(row?.['envSteps']) ?? 0,
    episodeReturnMean: num(row?.['episodeReturnMean']),
    updatedAtMs,
    checkpoints: listCheckpoints(join(dir, 'checkpoints')),
    runtime,
  };
}

function isRunning(runtime: RuntimeSnapshot | null, sinceUpdateMs: number): boolean {
  if (runtime?.ended !== undefined) return false;
  if (sinceUpdateMs < RUNNING_WITHIN_MS) return true;
  if (runtime === null || runtime.nodes[0]?.host !== hostname() || !Number.isSafeInteger(runtime.pid))
    return false;
  try {
    // Signal 0 checks that the process exists (it sends nothing).
    process.kill(runtime.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The runs under `logDir` (itself, its folders and theirs), newest first. */
export function listRuns(logDir: string, nowMs = Date.now()): RunSummary[] {
  const dirs: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (existsSync(join(dir, 'results.jsonl'))) {
      dirs.push(dir);
      return;
    }
    if (depth === 2) return;
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (!name.startsWith('.') && statSync(path, { throwIfNoEntry: false })?.isDirectory())
        visit(path, depth + 1);
    }
  };
  visit(logDir, 0);
  return dirs.map((d) => summarize(logDir, d, nowMs)).sort((a, b) => b.updatedAtMs - a.updatedAtMs);
}
