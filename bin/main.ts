/**
 * The CLI entry: wires the algorithms and benchmark suites (the layers above rl/) into the rl/ CLI.
 * Everything heavy is imported lazily so that `rl --help` stays fast.
 */
import { BENCH_SUITES } from '../bench/index.js';
import { runCli } from '../rl/cli/program.js';
import type { CliWiring } from '../rl/cli/wiring.js';
import { TSRL_VERSION } from '../rl/version.js';

/** Kept here (not read from algorithms/) so `rl --help` loads no algorithm; a test keeps it in sync. */
export const ALGORITHM_NAMES: readonly string[] = ['ppo', 'dqn', 'sac', 'apex-dqn'];

/** The wiring of the real CLI, writing to the given streams (tests capture them). */
export function createWiring(streams: Pick<CliWiring, 'stdout' | 'stderr'>): CliWiring {
  return {
    version: TSRL_VERSION,
    stdout: streams.stdout,
    stderr: streams.stderr,
    algorithmNames: ALGORITHM_NAMES,
    loadAlgorithm: async (name) => {
      const { getAlgorithm } = await import('../algorithms/index.js');
      return getAlgorithm(name);
    },
    benchSuites: BENCH_SUITES,
  };
}

/** Runs `rl` with `argv` (as process.argv) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, createWiring({ stdout: process.stdout, stderr: process.stderr }));
}
