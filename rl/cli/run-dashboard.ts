/** The body of `rl dashboard`, loaded only when the command runs: serves until SIGINT or SIGTERM. */
import { startDashboard } from '../dashboard/dashboard-server.js';
import type { DashboardFlags } from './commands/dashboard.js';
import type { CliWiring } from './wiring.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Runs `rl dashboard` until interrupted (or `signal` aborts, for tests). */
export async function runDashboard(
  flags: DashboardFlags,
  wiring: CliWiring,
  signal?: AbortSignal,
): Promise<void> {
  const dashboard = await startDashboard({
    logDir: flags.logdir,
    port: flags.port,
    host: flags.host,
    resolveAlgorithm: (name) => wiring.loadAlgorithm(name),
  });
  if (!LOOPBACK.has(flags.host)) {
    wiring.stderr.write(
      `rl dashboard: serving on ${flags.host}, reachable from other machines; it shows your runs and runs their policies to anyone who connects.\n`,
    );
  }
  wiring.stdout.write(`dashboard of ${flags.logdir} at ${dashboard.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await dashboard.close();
}
