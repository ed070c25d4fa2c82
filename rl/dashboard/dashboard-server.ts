/**
 * `rl dashboard`: a local web server over a log directory (default `runs/`). It serves one page and
 * a small JSON API the page polls:
 *
 *   GET /                              the page
 *   GET /api/runs                      the runs (status, last row, checkpoints, runtime.json)
 *   GET /api/curve?run=R&metric=M      the run's (envSteps, metric) points
 *   GET /api/episode?run=R&seed=S      one deterministic episode of the run's latest checkpoint
 *
 * It binds to 127.0.0.1 unless told otherwise: it reads run directories and runs policies, so it
 * is not meant to face a network.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, normalize, resolve } from 'node:path';
import type { AnyAlgorithmDefinition } from '../algorithm.js';
import { loadCheckpoint } from '../checkpoint/load-checkpoint.js';
import { readRunCurve } from '../plot/read-run.js';
import { dashboardPageHtml } from './dashboard-page.js';
import { playEpisode } from './play-episode.js';
import { listRuns } from './run-index.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The folder whose runs are shown. */
  readonly logDir: string;
  /** @default 8265; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Finds a checkpoint's algorithm (`getAlgorithm`), for episodes. */
  readonly resolveAlgorithm: (name: string) => AnyAlgorithmDefinition | Promise<AnyAlgorithmDefinition>;
}

/** A running dashboard. */
export interface Dashboard {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops the server (and drops open connections). */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A run name from a query, checked to stay inside the log directory. */
function runDirOf(logDir: string, name: string | null): string {
  if (name === null || name === '') throw new HttpError(400, 'query parameter "run" is required.');
  const clean = normalize(name);
  if (isAbsolute(clean) || clean.startsWith('..'))
    throw new HttpError(400, `run "${name}" is outside the log directory.`);
  const dir = resolve(logDir, clean);
  if (!listRuns(logDir).some((r) => resolve(logDir, r.name) === dir))
    throw new HttpError(404, `no run "${name}" under ${logDir}.`);
  return dir;
}

/**
 * Starts the dashboard.
 * @throws Error from listening (port in use: `EADDRINUSE`).
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const logDir = resolve(options.logDir);
  const host = options.host ?? '127.0.0.1';
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (req.method !== 'GET') throw new HttpError(405, 'only GET is served.');
    switch (url.pathname) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', dashboardPageHtml());
      case '/api/runs':
        return send(res, 200, 'application/json', JSON.stringify({ logDir, runs: listRuns(logDir) }));
      case '/api/curve': {
        const dir = runDirOf(logDir, url.searchParams.get('run'));
        const metric = url.searchParams.get('metric') ?? 'episodeReturnMean';
        let points: readonly (readonly [number, number])[] = [];
        try {
          points = readRunCurve(dir, metric, 'envSteps').points;
        } catch (error) {
          throw new HttpError(404, (error as Error).message);
        }
        return send(res, 200, 'application/json', JSON.stringify({ metric, points }));
      }
      case '/api/episode': {
        const dir = runDirOf(logDir, url.searchParams.get('run'));
        const seed = Number(url.searchParams.get('seed') ?? '0');
        if (!Number.isSafeInteger(seed) || seed < 0)
          throw new HttpError(400, 'seed must be a non-negative integer.');
        try {
          const algorithm = await options.resolveAlgorithm(loadCheckpoint(dir).algorithm);
          const episode = await playEpisode(dir, { resolveAlgorithm: () => algorithm, seed });
          return send(res, 200, 'application/json', JSON.stringify(episode));
        } catch (error) {
          throw new HttpError(422, (error as Error).message);
        }
      }
      default:
        throw new HttpError(404, `nothing at ${url.pathname}.`);
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      send(res, status, 'application/json', JSON.stringify({ error: (error as Error).message }));
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8265, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    host,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
