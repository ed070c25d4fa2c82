/** `rl env ...`: placeholder until the env protocol lands (owned by the remote-env work). */
import type { Command } from 'commander';

export function registerEnvCommand(program: Command): void {
  program.command('env').description('check, list and serve environments');
}
