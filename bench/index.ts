/**
 * The benchmark suites by name, each loaded only when run. `rl bench <suite> --json` and
 * `npm run bench` (all suites) print their JSON. Suites report ratios against baselines measured in
 * the same run, never absolute pass/fail.
 */
import type { BenchSuite } from '../rl/cli/wiring.js';

export const BENCH_SUITES: Readonly<Record<string, () => Promise<BenchSuite>>> = {
  backend: async () => (await import('./backend.js')).benchBackend,
  buffers: async () => (await import('./buffers.js')).benchBuffers,
  cluster: async () => (await import('./cluster.js')).benchCluster,
  core: async () => (await import('./core.js')).benchCore,
  envs: async () => (await import('./envs.js')).benchEnvs,
  train: async () => (await import('./train.js')).benchTrain,
};
