/**
 * `<runDir>/runtime.json`: what the run's process is running on, rewritten after every iteration so
 * that another process (`rl dashboard`) can show the cluster view of a live run: the node (this
 * host: cores, memory, load), the runtime's mode, worker processes and pending tasks, the object
 * store, and the run's actors (env runners, learners). One node: tsrl runs on one machine today.
 * When the run ends (a stop criterion, Ctrl-C, an error) `ended` is added, so the dashboard tells a
 * finished run from a live one however long its iterations take.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, freemem, hostname, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { isInitialized, runtimeStats } from '../../core/index.js';

/** The file's contents. */
export interface RuntimeSnapshot {
  /** When it was written (ms since the epoch). */
  readonly writtenAtMs: number;
  readonly pid: number;
  readonly nodes: readonly {
    readonly host: string;
    readonly numCpus: number;
    readonly totalMemBytes: number;
    readonly freeMemBytes: number;
    /** 1, 5 and 15 minute load averages. */
    readonly loadAvg: readonly number[];
  }[];
  /** `runtimeStats()` when the run started the core runtime (env runners as actors), else null. */
  readonly runtime: ReturnType<typeof runtimeStats> | null;
  readonly actors: {
    readonly envRunners: number;
    readonly envRunnerMode: 'actors' | 'inline';
    readonly envRunnerRestarts: number;
    readonly learners: number;
    readonly numGpusPerLearner: number;
  };
  /** Set when the run ended: when, and why (its stop criterion, e.g. `envSteps 200192 >= 200000`; `interrupted`; `failed`). */
  readonly ended?: { readonly atMs: number; readonly reason: string };
}

/** Writes `<runDir>/runtime.json` atomically. @throws Error from the file system. */
export function writeRuntimeSnapshot(runDir: string, actors: RuntimeSnapshot['actors']): void {
  const snapshot: RuntimeSnapshot = {
    writtenAtMs: Date.now(),
    pid: process.pid,
    nodes: [
      {
        host: hostname(),
        numCpus: cpus().length,
        totalMemBytes: totalmem(),
        freeMemBytes: freemem(),
        loadAvg: loadavg(),
      },
    ],
    runtime: isInitialized() ? runtimeStats() : null,
    actors,
  };
  writeSnapshot(runDir, snapshot);
}

/**
 * Adds `ended` to `<runDir>/runtime.json` (nothing when the run wrote none: it ended before its first
 * iteration). @throws Error from the file system, other than a missing or unreadable file.
 */
export function writeRunEnded(runDir: string, reason: string): void {
  let snapshot: RuntimeSnapshot;
  try {
    snapshot = JSON.parse(readFileSync(join(runDir, 'runtime.json'), 'utf8')) as RuntimeSnapshot;
  } catch {
    return;
  }
  writeSnapshot(runDir, { ...snapshot, ended: { atMs: Date.now(), reason } });
}

function writeSnapshot(runDir: string, snapshot: RuntimeSnapshot): void {
  const path = join(runDir, 'runtime.json');
  writeFileSync(`${path}.tmp`, `${JSON.stringify(snapshot, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
