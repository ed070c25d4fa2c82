/**
 * The sampling benchmark for the 16-core GPU machine: sampled env steps/s with 1, 4, 8 and 14 env-runner
 * actors (bench/sampling.ts), printed as one JSON object. The target there: 8 runners >= 6x one.
 * Run from the package root after `npm run build`: `node dist/bench/gpu/sampling.js`
 * (TSRL_BENCH_RUNNERS="1,4,8,14" and TSRL_BENCH_MEASURE_MS=3000 change the defaults).
 */
import { cpus, loadavg } from 'node:os';
import { benchSampling } from '../sampling.js';

const counts = (process.env['TSRL_BENCH_RUNNERS'] ?? '0,1,4,8,14').split(',').map(Number);
const measureMs = Number(process.env['TSRL_BENCH_MEASURE_MS'] ?? 3000);
const rows = await benchSampling({ runnerCounts: counts, measureMs });
process.stdout.write(
  `${JSON.stringify({ machine: { cpus: cpus().length, loadAverage1m: loadavg()[0] }, sampling: rows }, null, 2)}\n`,
);
