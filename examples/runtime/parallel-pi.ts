/**
 * The runtime on its own: estimate pi with Monte Carlo tasks in parallel, keep a running total in an
 * actor, and pass a large array by ref. Run: `node --import tsx examples/runtime/parallel-pi.ts`.
 */
import { pathToFileURL } from 'node:url';
import { get, init, put, remoteClass, remoteFunction, shutdown, wait } from '../../core/index.js';

/** Counts how many of `samples` random points fall in the unit quarter circle. */
export const hits = remoteFunction(import.meta.url, 'hits', (samples: number) => {
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = Math.random();
    const y = Math.random();
    if (x * x + y * y <= 1) inside++;
  }
  return inside;
});

/** Sums a Float32Array (it arrives as a view on the received frame, not a copy). */
export const total = remoteFunction(import.meta.url, 'total', (values: Float32Array) =>
  values.reduce((s, v) => s + v, 0),
);

class TallyImpl {
  private inside = 0;
  private samples = 0;
  add(inside: number, samples: number): number {
    this.inside += inside;
    this.samples += samples;
    return (4 * this.inside) / this.samples;
  }
}

/** An actor keeping the running estimate. */
export const Tally = remoteClass(import.meta.url, 'Tally', TallyImpl);

async function main(): Promise<void> {
  await init();
  const samplesPerTask = 200_000;
  const tally = Tally.remote();
  let pending = Array.from({ length: 16 }, () => hits.remote(samplesPerTask));
  let estimate = 0;
  while (pending.length > 0) {
    const { ready, notReady } = await wait(pending, { numReturns: 1, timeoutMs: 30_000 });
    for (const ref of ready) estimate = await get(tally.call('add', ref, samplesPerTask));
    pending = notReady;
  }
  const ones = put(new Float32Array(1_000_000).fill(1));
  process.stdout.write(`pi ~ ${estimate.toFixed(4)}; sum of 1e6 ones = ${await get(total.remote(ones))}\n`);
  await shutdown();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
