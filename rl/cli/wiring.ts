/**
 * What the CLI needs from the layers above rl/: the algorithms and the benchmark suites. bin/main.ts
 * supplies them, keeping the dependency rule core <- envs <- rl <- algorithms intact.
 */
import type { Writable } from 'node:stream';
import type { AnyAlgorithmDefinition } from '../algorithm.js';

/** A benchmark suite: runs and returns JSON-able results (numbers and their baselines). */
export type BenchSuite = () => Promise<Record<string, unknown>>;

export interface CliWiring {
  version: string;
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable;
  /** Names of the algorithms `rl train --algo` accepts. */
  algorithmNames: readonly string[];
  /**
   * Loads one algorithm definition by name (lazily: it pulls in the algorithm's modules).
   * @throws RangeError for an unknown name.
   */
  loadAlgorithm(name: string): Promise<AnyAlgorithmDefinition>;
  /** Benchmark suites by name, loaded lazily. */
  benchSuites: Readonly<Record<string, () => Promise<BenchSuite>>>;
}
