/**
 * What the CLI needs from the layers above rl/: the algorithms and the benchmark suites. bin/main.ts
 * supplies them, keeping the dependency rule core <- envs <- rl <- algorithms intact.
 */
import type { Writable } from 'node:stream';

/** A benchmark suite: runs and returns JSON-able results (numbers and their baselines). */
export type BenchSuite = () => Promise<Record<string, unknown>>;

export interface CliWiring {
  version: string;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  /** Names of the algorithms `rl train --algo` accepts. */
  algorithmNames: readonly string[];
  /** Loads one algorithm definition by name (lazily: it pulls in TensorFlow.js). */
  loadAlgorithm(name: string): Promise<unknown>;
  /** Benchmark suites by name, loaded lazily. */
  benchSuites: Readonly<Record<string, () => Promise<BenchSuite>>>;
}
