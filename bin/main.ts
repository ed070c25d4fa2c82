/**
 * The CLI entry: wires the algorithms and benchmark suites (the layers above rl/) into the rl/ CLI.
 * Everything heavy is imported lazily so that `rl --help` stays fast.
 */
import { BENCH_SUITES } from '../bench/index.js';
import { runCli } from '../rl/cli/program.js';
import { TSRL_VERSION } from '../rl/version.js';

const ALGORITHM_NAMES = ['ppo', 'dqn', 'sac', 'apex-dqn'] as const;

/** Runs `rl` with `argv` (as process.argv) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, {
    version: TSRL_VERSION,
    stdout: process.stdout,
    stderr: process.stderr,
    algorithmNames: ALGORITHM_NAMES,
    loadAlgorithm: async (name) => {
      // Typed once algorithms/index.ts lands; a variable specifier keeps the build green until then.
      const specifier = '../algorithms/index.js';
      const mod = (await import(specifier)) as { ALGORITHMS?: Readonly<Record<string, unknown>> };
      return mod.ALGORITHMS?.[name];
    },
    benchSuites: BENCH_SUITES,
  });
}
