/**
 * Draws built from a plain {@link Rng} (`next()` in [0, 1)), used by the spaces' `sample`.
 */
import type { Rng } from './space.js';

/** An integer in [0, n); `n` at most 2^32. */
export function sampleInt(rng: Rng, n: number): number {
  // min() guards against a custom Rng that returns exactly 1 by mistake.
  return Math.min(Math.floor(rng.next() * n), n - 1);
}

/** A standard normal draw (Box-Muller). */
export function sampleNormal(rng: Rng): number {
  const u1 = 1 - rng.next();
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** An exponential draw with rate 1. */
export function sampleExponential(rng: Rng): number {
  return -Math.log(1 - rng.next());
}
