/**
 * `rl cluster stop`: stops the head and the nodes started on this machine. The head is asked to stop
 * (it stops every node it knows first, on any machine); local processes still running after that get
 * SIGTERM, then SIGKILL after 10 s.
 */
import type { Writable } from 'node:stream';
import { parseHostPort } from '../../../core/cluster/bind-policy.js';
import { readClusterKeyFile } from '../../../core/cluster/cluster-key.js';
import { requestClusterStop } from '../../../core/cluster/head-request.js';
import { isAlive, type ProcessRecord, readRecords, removeRecord } from './cluster-files.js';

async function waitExit(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (isAlive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(pid);
}

async function terminate(record: ProcessRecord): Promise<void> {
  if (!isAlive(record.pid)) return;
  process.kill(record.pid, 'SIGTERM');
  if (!(await waitExit(record.pid, 10_000))) process.kill(record.pid, 'SIGKILL');
}

/** Stops what runs here; returns a line per process stopped. */
export async function stopCluster(stdout: Writable): Promise<void> {
  const records = readRecords();
  const head = records.find((r) => r.role === 'head');
  const lines: string[] = [];
  if (head !== undefined && isAlive(head.pid)) {
    try {
      await requestClusterStop(
        parseHostPort(head.address, 'head address'),
        readClusterKeyFile(head.keyFile),
        3000,
      );
      if (!(await waitExit(head.pid, 5000))) await terminate(head);
    } catch {
      await terminate(head);
    }
    lines.push(`stopped the head (pid ${head.pid}, ${head.address}) and asked its nodes to stop`);
  }
  if (head !== undefined) removeRecord('head', head.pid);
  for (const node of records.filter((r) => r.role === 'node')) {
    // Nodes told by the head exit on their own; those of another cluster, or cut off, are signalled.
    if (isAlive(node.pid) && !(await waitExit(node.pid, 2000))) await terminate(node);
    removeRecord('node', node.pid);
    lines.push(`stopped node ${node.nodeId} (pid ${node.pid})`);
  }
  stdout.write(lines.length === 0 ? 'no cluster processes run on this machine\n' : `${lines.join('\n')}\n`);
}
