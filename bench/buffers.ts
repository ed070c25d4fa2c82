/**
 * Replay-buffer benchmark: memory of 1M CartPole transitions (obs of 4 float32) against the raw column
 * arrays and against an array-of-objects baseline, and add/sample throughput of the uniform and the
 * prioritized buffer. Returns JSON; rates are medians by wall clock and by CPU time (the machine is
 * shared: compare CPU-time rates across runs), never assertions.
 *
 * Run: `npx tsx -e "import('./bench/buffers.ts').then(async m => console.log(JSON.stringify(await m.benchBuffers(), null, 2)))"`
 */
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SeededRng } from '../envs/rng.js';
import { PrioritizedReplayBuffer } from '../rl/buffers/prioritized-replay-buffer.js';
import { ReplayBuffer, transitionColumns } from '../rl/buffers/replay-buffer.js';
import { SampleBatch } from '../rl/sample-batch/sample-batch.js';

const OBS_SIZE = 4;
const CAPACITY = 1_000_000;

/** A full garbage collection when it can be enabled, so that memory deltas mean something. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

function transitions(count: number, seed: number): SampleBatch {
  const rng = SeededRng.fromSeed(seed);
  const obs = new Float32Array(count * OBS_SIZE).map(() => rng.normal());
  const nextObs = new Float32Array(count * OBS_SIZE).map(() => rng.normal());
  const actions = new Int32Array(count).map(() => rng.nextInt(2));
  return new SampleBatch(count, {
    obs,
    nextObs,
    actions,
    rewards: new Float32Array(count).fill(1),
    terminated: new Uint8Array(count).map(() => (rng.next() < 0.01 ? 1 : 0)),
    truncated: new Uint8Array(count),
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Rates of one measured loop: by wall clock and by this process's CPU time (robust to a shared machine). */
interface Rate {
  wallPerS: number;
  cpuPerS: number;
}

/** Median rates (operations per second) of `fn` run `ops` times per trial, scaled by `rowsPerOp`. */
function rate(ops: number, trials: number, fn: () => void, rowsPerOp = 1): Rate {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let t = 0; t < trials; t++) {
    const c0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) fn();
    wall.push(Number(process.hrtime.bigint() - start) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return {
    wallPerS: Math.round((ops * rowsPerOp) / median(wall)),
    cpuPerS: Math.round((ops * rowsPerOp) / Math.max(1e-9, median(cpu))),
  };
}

/** Bytes an array-of-objects buffer (one object per transition, as a naive JS buffer) takes per row. */
function objectRowBytes(rows: number): number {
  collect();
  const before = process.memoryUsage();
  const store: {
    obs: Float32Array;
    nextObs: Float32Array;
    action: number;
    reward: number;
    terminated: boolean;
  }[] = [];
  for (let i = 0; i < rows; i++) {
    store.push({
      obs: new Float32Array(OBS_SIZE),
      nextObs: new Float32Array(OBS_SIZE),
      action: i & 1,
      reward: 1,
      terminated: false,
    });
  }
  collect();
  const after = process.memoryUsage();
  const bytes = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
  return store.length > 0 ? bytes / rows : 0;
}

/**
 * Runs the suite (about 10 s) and returns its results.
 * @returns memory of a 1M-transition CartPole buffer (its own count, the measured process growth and
 * the raw arrays), the array-of-objects baseline, and add/sample throughput.
 */
export async function benchBuffers(): Promise<Record<string, unknown>> {
  const columns = transitionColumns({ obsSize: OBS_SIZE, actionSize: 0, actionDtype: 'int32' });
  // Raw arrays: obs and nextObs 2 x 4 x float32, action int32, reward float32, two uint8 flags = 42 B/row.
  const rawBytes = CAPACITY * (2 * OBS_SIZE * 4 + 4 + 4 + 1 + 1);

  collect();
  const before = process.memoryUsage();
  const buffer = new ReplayBuffer({ capacity: CAPACITY, columns });
  const chunk = transitions(10_000, 1);
  const fillStart = process.hrtime.bigint();
  for (let i = 0; i < CAPACITY / chunk.count; i++) buffer.add(chunk);
  const fillS = Number(process.hrtime.bigint() - fillStart) / 1e9;
  collect();
  const after = process.memoryUsage();
  const measuredGrowth =
    after.arrayBuffers - before.arrayBuffers + (after.heapUsed - before.heapUsed) - chunk.sizeBytes;

  const rng = SeededRng.fromSeed(7);
  const step8 = transitions(8, 2); // one step of 8 vector envs
  const step1000 = transitions(1000, 3);
  const uniform = {
    addRowsPerS_batch8: rate(20_000, 5, () => buffer.add(step8), 8),
    addRowsPerS_batch1000: rate(500, 5, () => buffer.add(step1000), 1000),
    sampleBatchesPerS_batch256: rate(2_000, 5, () => buffer.sample(256, rng)),
  };

  const per = new PrioritizedReplayBuffer({ capacity: CAPACITY, columns, alpha: 0.6 });
  for (let i = 0; i < CAPACITY / chunk.count; i++) per.add(chunk);
  const tdErrors = new Float64Array(256).map(() => Math.abs(rng.normal()) + 1e-6);
  const prioritized = {
    memoryBytes: per.memoryBytes(),
    memoryOverRaw: per.memoryBytes() / rawBytes,
    addRowsPerS_batch8: rate(20_000, 5, () => per.add(step8), 8),
    sampleBatchesPerS_batch256: rate(1_000, 5, () => per.sample(256, rng, 0.4)),
    sampleAndUpdateBatchesPerS_batch256: rate(1_000, 5, () => {
      const s = per.sample(256, rng, 0.4);
      per.updatePriorities(s.int32('batchIndexes'), tdErrors);
    }),
  };

  const baselineRows = 200_000;
  const objectBytesPerRow = objectRowBytes(baselineRows);
  return {
    capacity: CAPACITY,
    obsSize: OBS_SIZE,
    rawBytes,
    memoryBytes: buffer.memoryBytes(),
    memoryOverRaw: buffer.memoryBytes() / rawBytes,
    measuredProcessGrowthBytes: measuredGrowth,
    measuredOverRaw: measuredGrowth / rawBytes,
    fillRowsPerS: Math.round(CAPACITY / fillS),
    loadAverage1m: loadavg()[0],
    uniform,
    prioritized,
    baselineArrayOfObjects: {
      rowsMeasured: baselineRows,
      bytesPerRow: Math.round(objectBytesPerRow),
      projectedBytesFor1M: Math.round(objectBytesPerRow * CAPACITY),
      overRaw: (objectBytesPerRow * CAPACITY) / rawBytes,
    },
  };
}
