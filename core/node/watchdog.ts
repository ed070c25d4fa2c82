/**
 * The parent watch of a worker process. A JavaScript timer on the main thread does not run while a
 * task runs synchronous code, so a SIGKILLed driver would leave such a worker running; a
 * worker_thread checks the parent pid instead and SIGKILLs the whole process when it changed. The
 * thread also removes the driver's ipc socket file and the node's folder of shared objects (a
 * SIGKILLed driver cannot).
 */
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** How often the watchdog looks at the parent pid. */
const CHECK_MS = 250;

/** The ipc socket file behind a node address, if it is one. */
function socketFile(address: string): string | undefined {
  return address.startsWith('ipc://') && !address.startsWith('ipc://@') ? address.slice(6) : undefined;
}

let nodeAddress = '';
let nodeSharedDir: string | undefined;

/** Removes the node's ipc socket file and shared folder (the driver is gone). */
export function removeOrphans(): void {
  const file = socketFile(nodeAddress);
  if (file !== undefined) rmSync(file, { force: true });
  if (nodeSharedDir !== undefined) rmSync(nodeSharedDir, { recursive: true, force: true, maxRetries: 3 });
}

// The thread's code is plain JS (eval: true), so it runs the same from sources and from dist/.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { rmSync } = require('node:fs');
const timer = setInterval(() => {
  if (process.ppid === workerData.parentPid) return;
  clearInterval(timer);
  if (workerData.socketFile) { try { rmSync(workerData.socketFile, { force: true }); } catch {} }
  if (workerData.sharedDir) { try { rmSync(workerData.sharedDir, { recursive: true, force: true, maxRetries: 3 }); } catch {} }
  process.kill(workerData.pid, 'SIGKILL');
}, ${CHECK_MS});
`;

/** Starts the watchdog thread (it does not keep the process alive); it also removes the node's shared folder. */
export function startWatchdog(parentPid: number, address: string, sharedDir: string | undefined): void {
  nodeAddress = address;
  nodeSharedDir = sharedDir;
  const thread = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { parentPid, pid: process.pid, socketFile: socketFile(address), sharedDir },
    stdout: false,
    stderr: false,
  });
  thread.unref();
}
