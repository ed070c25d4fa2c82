/**
 * One tsrl_env_server.py process started and owned by tsrl: spawned with `--exit-with-parent` (it ends
 * when this process dies, even by SIGKILL), ready once it prints its `serving ... on <endpoint>` line,
 * stopped with SIGTERM (SIGKILL after a grace period). Its stderr is kept (the last lines) for errors.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../core/logger.js';

const log = createLogger('python-env');
const HERE = dirname(fileURLToPath(import.meta.url));
/** Beside this module in the sources; from dist/envs/python, the package's envs/python. */
const SCRIPT_CANDIDATES = [
  join(HERE, 'tsrl_env_server.py'),
  join(HERE, '../../../envs/python/tsrl_env_server.py'),
];

/** The path of tsrl_env_server.py. @throws Error when the file is missing from the package. */
export function pythonServerScript(): string {
  const found = SCRIPT_CANDIDATES.find((p) => existsSync(p));
  if (found === undefined)
    throw new Error(`tsrl_env_server.py is missing (looked at ${SCRIPT_CANDIDATES.join(', ')})`);
  return found;
}

/** What the server is started with. */
export interface PythonServerArgs {
  readonly python: string;
  /** `--env` of the server. */
  readonly env: string;
  readonly address: string;
  readonly numEnvs: number;
  readonly kwargs: Record<string, unknown>;
  readonly maxEpisodeSteps: number | undefined;
  readonly stepping: 'in-order' | 'subprocess';
  readonly numWorkers: number | undefined;
  readonly startTimeoutMs: number;
}

const live = new Set<ChildProcess>();
// Belt and braces besides --exit-with-parent: a normal exit of this process kills its servers at once.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A started server. */
export class PythonServerProcess {
  /** Resolves when the process has ended (code or signal). */
  readonly exited: Promise<string>;
  private stopping = false;
  private stderrTail: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        resolve(signal === null ? `exit code ${String(code)}` : `signal ${signal}`);
      }),
    );
    child.stderr?.on('data', (d: Buffer) => {
      for (const line of String(d).split('\n')) {
        if (line.trim() === '') continue;
        log.debug(`[pid ${child.pid}] ${line}`);
        this.stderrTail.push(line);
      }
      this.stderrTail = this.stderrTail.slice(-20);
    });
    void this.exited.then((how) => {
      if (!this.stopping)
        log.warn(`the Python env server (pid ${child.pid}, ${address}) ended unexpectedly (${how})`);
    });
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines the server wrote to stderr. */
  get stderr(): string {
    return this.stderrTail.join('\n');
  }

  /**
   * Starts the server and waits until it serves.
   * @throws Error with the server's stderr when it exits first or is silent for `startTimeoutMs`.
   */
  static async start(args: PythonServerArgs): Promise<PythonServerProcess> {
    const argv = [
      pythonServerScript(),
      '--env',
      args.env,
      '--address',
      args.address,
      '--num-envs',
      String(args.numEnvs),
      '--env-kwargs',
      JSON.stringify(args.kwargs),
      '--stepping',
      args.stepping,
      '--exit-with-parent',
    ];
    if (args.maxEpisodeSteps !== undefined) argv.push('--max-episode-steps', String(args.maxEpisodeSteps));
    if (args.numWorkers !== undefined) argv.push('--num-workers', String(args.numWorkers));
    const child = spawn(args.python, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    const server = new PythonServerProcess(child, args.address);
    server.stopping = true; // until it serves, an exit is reported by start() itself
    try {
      await new Promise<void>((resolve, reject) => {
        let stdout = '';
        const timer = setTimeout(
          () => reject(new Error(`did not start within ${args.startTimeoutMs} ms`)),
          args.startTimeoutMs,
        );
        child.stdout?.on('data', (d: Buffer) => {
          stdout += String(d);
          if (/ on \S+\n/.test(stdout)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        void server.exited.then((how) => {
          clearTimeout(timer);
          reject(new Error(`exited (${how}) before serving`));
        });
      });
    } catch (error) {
      await server.stop();
      throw new Error(
        `the Python env server for ${args.env} (${args.python}) ${(error as Error).message}` +
          `${server.stderr === '' ? '' : `; its stderr:\n${server.stderr}`}`,
      );
    }
    server.stopping = false;
    log.debug(`started the Python env server for ${args.env} (pid ${child.pid}) on ${args.address}`);
    return server;
  }

  /** Stops the server: SIGTERM, SIGKILL after `graceMs`. Idempotent. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
