/** `rl dashboard`: a local web page with live learning curves, the cluster view and episodes. */
import type { Command } from 'commander';
import { parseNonNegativeInt } from '../parse.js';
import type { CliWiring } from '../wiring.js';

/** The flags of `rl dashboard`, as commander hands them over. */
export interface DashboardFlags {
  logdir: string;
  port: number;
  host: string;
}

export function registerDashboardCommand(program: Command, wiring: CliWiring): void {
  program
    .command('dashboard')
    .description('serve a dashboard of the runs in --logdir: rl dashboard, then open the printed URL')
    .option('--logdir <dir>', 'folder of run directories', 'runs')
    .option('--port <n>', 'port (0: any free port)', parseNonNegativeInt, 8265)
    .option('--host <address>', 'address to bind; the default serves this machine only', '127.0.0.1')
    .action(async (flags: DashboardFlags) => {
      const { runDashboard } = await import('../run-dashboard.js');
      await runDashboard(flags, wiring);
    });
}
