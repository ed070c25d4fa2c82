/**
 * What `rl cluster` keeps on this machine, in `TSRL_CLUSTER_DIR` (default `~/.tsrl/cluster`): the
 * cluster key the head created (`cluster.key`, owner-only, reused when the head restarts so nodes
 * reconnect), one record per process started here (`head.json`, `node-<pid>.json`) so that
 * `rl cluster stop` and `status` find them, and their logs.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The state directory (created owner-only). */
export function clusterDir(): string {
  const dir = process.env['TSRL_CLUSTER_DIR'] ?? join(homedir(), '.tsrl', 'cluster');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The head's key file on this machine. */
export function headKeyPath(): string {
  return join(clusterDir(), 'cluster.key');
}

/** A process `rl cluster start` left running on this machine. */
export interface ProcessRecord {
  readonly role: 'head' | 'node';
  readonly pid: number;
  /** The head address, HOST:PORT. */
  readonly address: string;
  readonly keyFile: string;
  readonly nodeId: string;
  readonly logFile?: string;
}

function recordPath(role: 'head' | 'node', pid: number): string {
  return join(clusterDir(), role === 'head' ? 'head.json' : `node-${pid}.json`);
}

/** Writes a process record. */
export function writeRecord(record: ProcessRecord): void {
  writeFileSync(recordPath(record.role, record.pid), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

/** Removes a process's record (only the head record of that pid). */
export function removeRecord(role: 'head' | 'node', pid: number): void {
  const path = recordPath(role, pid);
  if (role === 'head' && readRecords().find((r) => r.role === 'head')?.pid !== pid) return;
  rmSync(path, { force: true });
}

function isRecord(v: unknown): v is ProcessRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    (r['role'] === 'head' || r['role'] === 'node') &&
    typeof r['pid'] === 'number' &&
    typeof r['address'] === 'string' &&
    typeof r['keyFile'] === 'string' &&
    typeof r['nodeId'] === 'string'
  );
}

/** Every readable record here (unreadable or foreign files are skipped). */
export function readRecords(): ProcessRecord[] {
  const dir = clusterDir();
  const out: ProcessRecord[] = [];
  for (const name of readdirSync(dir)) {
    if (name !== 'head.json' && !/^node-\d+\.json$/.test(name)) continue;
    try {
      const parsed: unknown = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      if (isRecord(parsed)) out.push(parsed);
    } catch {
      // half-written or edited by hand: ignored
    }
  }
  return out;
}

/** Whether a process is alive. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
