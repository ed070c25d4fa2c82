/**
 * The worker processes of a node and the ROUTER socket they talk to: spawning (with tsx when the
 * runtime runs from TypeScript sources), sending batches, receiving and validating replies, and
 * noticing exits. Scheduling decisions live in node-backend.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Router } from 'zeromq';
import type { EncodedValue } from '../codec.js';
import { createLogger } from '../logger.js';
import { sharedDirectory } from '../shared-objects.js';
import { BatchSender } from './batch-sender.js';
import {
  type ClientRequest,
  parseFromWorker,
  type Reply,
  type ToWorker,
  type WireValue,
} from './protocol.js';

const log = createLogger('core.node');

/** Worker ids never repeat within a process: they prefix the object ids a worker makes. */
let nextWorkerId = 1;

/** One worker process. */
export interface WorkerProcess {
  readonly id: number;
  readonly routingId: string;
  readonly proc: ChildProcess;
  /** Set by the `ready` message. */
  pid: number | undefined;
  exited: boolean;
  /** Replies still expected from it (`ready`, then one per task, constructor or call). */
  outstanding: number;
}

/** What the pool reports to its owner. */
export interface PoolEvents {
  onReady(worker: WorkerProcess): void;
  onMessage(worker: WorkerProcess, message: Reply, frames: readonly Uint8Array[]): void;
  /** A worker acting as a client (nested tasks, actors, objects). */
  onRequest(worker: WorkerProcess, request: ClientRequest, frames: readonly Uint8Array[]): void;
  /** Queued tasks a worker dropped unstarted. */
  onRequeue(worker: WorkerProcess, ids: readonly number[]): void;
  onExit(worker: WorkerProcess, description: string): void;
}

/**
 * How workers start: plain node for built JS, `--import tsx` when the runtime runs from TypeScript
 * sources or the driver runs under tsx. `TSRL_WORKER_NODE_ARGS` adds node flags (e.g. `--cpu-prof`).
 */
function workerEntry(): { entry: string; execArgv: string[] } {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./worker-main.${fromSources ? 'ts' : 'js'}`, import.meta.url));
  const extra = (process.env['TSRL_WORKER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const underTsx = process.execArgv.some((a) => a.includes('tsx'));
  if (!fromSources && !underTsx) return { entry, execArgv: extra };
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { entry, execArgv: [...extra, '--import', loader] };
}

/**
 * glibc's malloc backs large allocations of workers with transparent huge pages (glibc >= 2.35;
 * ignored elsewhere): a worker's fresh 100 MB buffer (a received message, an object read from its
 * shared file) then takes 50 page faults instead of 25 000. Measured on the shared 2-core VM, reading
 * 100 MB from /dev/shm into fresh memory: 1.0-1.6 s without, 31-43 ms with. The tunable is documented
 * at https://www.gnu.org/software/libc/manual/html_node/Memory-Allocation-Tunables.html
 */
function workerTunables(): string {
  const own = process.env['GLIBC_TUNABLES'];
  if (own?.includes('glibc.malloc.hugetlb') === true) return own;
  return own === undefined || own === '' ? 'glibc.malloc.hugetlb=1' : `${own}:glibc.malloc.hugetlb=1`;
}

/** See the module comment. */
export class WorkerPool {
  private readonly router = new Router({ linger: 0, sendHighWaterMark: 0, receiveHighWaterMark: 0 });
  private readonly sender: BatchSender<ToWorker>;
  private readonly workers = new Map<string, WorkerProcess>();
  private outstanding = 0;
  private receiving = false;
  private closing = false;
  private ipcPath: string | undefined;
  /** The address workers connect to. */
  address = '';
  private readonly launch = workerEntry();
  /** Bytes of value frames sent to workers (not counting headers), for tests and benchmarks. */
  sentFrameBytes = 0;

  constructor(
    private readonly events: PoolEvents,
    private readonly transport: 'ipc' | 'tcp',
  ) {
    this.sender = new BatchSender<ToWorker>((peer, frames) => {
      for (let i = 1; i < frames.length; i++) this.sentFrameBytes += (frames[i] as Uint8Array).byteLength;
      return this.router.send([peer ?? '', ...frames]);
    }, 'microtask');
  }

  /**
   * Binds the socket and starts receiving. On Linux the ipc socket is abstract (`ipc://@name`: no
   * file, nothing left behind by a driver that ends without shutdown); elsewhere it is a file under
   * the temp folder, removed at shutdown, at process exit, or by a worker whose driver was killed.
   */
  async start(): Promise<void> {
    if (this.transport === 'ipc') {
      const name = `tsrl-${process.pid}-${randomBytes(4).toString('hex')}.ipc`;
      if (process.platform === 'linux') await this.router.bind(`ipc://@${name}`);
      else {
        const path = join(tmpdir(), name);
        this.ipcPath = path;
        await this.router.bind(`ipc://${path}`);
        process.once('exit', () => rmSync(path, { force: true }));
      }
    } else {
      await this.router.bind('tcp://127.0.0.1:*');
    }
    this.address = this.router.lastEndpoint ?? '';
  }

  /**
   * Receives only while replies are expected: a pending receive keeps the event loop alive, so an
   * idle node lets a driver that never calls shutdown() exit (its workers follow, see worker-main).
   */
  private async receive(): Promise<void> {
    if (this.receiving) return;
    this.receiving = true;
    try {
      while (this.outstanding > 0 && !this.router.closed) {
        const [id, ...frames] = await this.router.receive();
        const worker = id === undefined ? undefined : this.workers.get(id.toString());
        if (worker === undefined || worker.exited) continue;
        let batch: ReturnType<typeof parseFromWorker>;
        try {
          batch = parseFromWorker(frames);
        } catch (error) {
          log.error(`worker ${worker.id}: ${(error as Error).message}`);
          continue;
        }
        for (const m of batch.messages) {
          if (m.t === 'ready' || m.t === 'ok' || m.t === 'err' || m.t === 'requeue') {
            const n = m.t === 'requeue' ? m.ids.length : 1;
            worker.outstanding -= n;
            this.outstanding -= n;
          }
          if (m.t === 'ready') {
            worker.pid = m.pid;
            this.events.onReady(worker);
          } else if (m.t === 'ok' || m.t === 'err') this.events.onMessage(worker, m, batch.frames);
          else if (m.t === 'requeue') this.events.onRequeue(worker, m.ids);
          else this.events.onRequest(worker, m, batch.frames);
        }
      }
    } catch (error) {
      if (!this.router.closed) log.error(`node socket failed: ${(error as Error).message}`);
    } finally {
      this.receiving = false;
    }
  }

  /** Starts a worker process; `env` adds variables (GPU ids). */
  spawn(env: Readonly<Record<string, string>>): WorkerProcess {
    if (this.closing) throw new Error('internal: spawn after the node began shutting down');
    const id = nextWorkerId++;
    const shared = sharedDirectory();
    const proc = spawn(process.execPath, [...this.launch.execArgv, this.launch.entry], {
      env: {
        ...process.env,
        ...env,
        TSRL_NODE_ADDRESS: this.address,
        TSRL_WORKER_ID: String(id),
        TSRL_PARENT_PID: String(process.pid),
        GLIBC_TUNABLES: workerTunables(),
        ...(shared === undefined ? {} : { TSRL_SHARED_DIR: shared }),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker: WorkerProcess = {
      id,
      routingId: `w${id}`,
      proc,
      pid: undefined,
      exited: false,
      outstanding: 1,
    };
    this.workers.set(worker.routingId, worker);
    this.outstanding++;
    void this.receive();
    proc.on('error', (error) => log.error(`worker ${id} could not start: ${error.message}`));
    proc.on('exit', (code, signal) => {
      worker.exited = true;
      this.outstanding -= worker.outstanding;
      worker.outstanding = 0;
      this.workers.delete(worker.routingId);
      this.events.onExit(worker, signal === null ? `exit code ${code}` : `signal ${signal}`);
    });
    // The IPC channel only tells the worker that the driver is gone; it must not keep the driver alive.
    proc.channel?.unref();
    proc.unref();
    return worker;
  }

  /** Queues a message to a worker (batched with others sent in the same tick). */
  send(worker: WorkerProcess, build: (value: (v: EncodedValue) => WireValue) => ToWorker): void {
    if (worker.exited) return;
    this.sender.push(worker.routingId, (value) => {
      const m = build(value);
      if (m.t === 'task' || m.t === 'actor' || m.t === 'call') {
        worker.outstanding++;
        this.outstanding++;
      }
      return m;
    });
    void this.receive();
  }

  /** The live worker with this id. */
  worker(id: number): WorkerProcess | undefined {
    const w = this.workers.get(`w${id}`);
    return w === undefined || w.exited ? undefined : w;
  }

  /** SIGKILLs a worker; its exit arrives through `onExit`. */
  kill(worker: WorkerProcess): void {
    if (!worker.exited) worker.proc.kill('SIGKILL');
  }

  /** Pids of live workers. */
  pids(): number[] {
    return [...this.workers.values()].flatMap((w) => (w.proc.pid === undefined ? [] : [w.proc.pid]));
  }

  /** Asks every worker to exit, SIGKILLs those still alive after `graceMs`, waits for all exits. */
  async shutdown(graceMs = 1000): Promise<void> {
    this.closing = true;
    const all = [...this.workers.values()];
    // Workers are unref'd so an idle node lets the driver exit; while shutting down the process must
    // stay alive until every exit arrived, or `await shutdown()` would never settle.
    for (const w of all) w.proc.ref();
    for (const w of all) if (w.pid !== undefined) this.send(w, () => ({ t: 'exit' }));
    await this.sender.flushed();
    const exited = (w: WorkerProcess) =>
      new Promise<void>((resolve) => (w.exited ? resolve() : w.proc.once('exit', () => resolve())));
    const timer = setTimeout(() => {
      for (const w of all) this.kill(w);
    }, graceMs);
    await Promise.all(all.map(exited));
    clearTimeout(timer);
    // Anything spawned meanwhile is killed too: no worker outlives shutdown().
    const late = [...this.workers.values()];
    for (const w of late) {
      w.proc.ref();
      this.kill(w);
    }
    await Promise.all(late.map(exited));
    this.sender.close();
    this.router.close();
    if (this.ipcPath !== undefined) rmSync(this.ipcPath, { force: true });
  }
}
