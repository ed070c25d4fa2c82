/**
 * Suggestions for mistyped names and values: core's "did you mean" and choice formatting, plus the
 * divisor hint config messages give ("try 2, 4 or 8").
 */
export { didYouMean, formatChoices, levenshtein } from '../../core/did-you-mean.js';

/**
 * The divisors of `total` closest to `near` (at most `count`, ascending), e.g. for a minibatch count
 * that must divide a batch: `divisorsNear(512, 3)` is `[2, 4, 8]`.
 * @throws RangeError when `total` is not a positive integer.
 */
export function divisorsNear(total: number, near: number, count = 3): number[] {
  if (!Number.isInteger(total) || total < 1) {
    throw new RangeError(`divisorsNear: total (${String(total)}) must be a positive integer.`);
  }
  const divisors: number[] = [];
  for (let d = 1; d * d <= total; d++) {
    if (total % d === 0) {
      divisors.push(d);
      if (d !== total / d) divisors.push(total / d);
    }
  }
  // Closest by ratio, so that 3 suggests 2 and 4 rather than 1 and 2; ties go to the smaller one.
  const score = (d: number): number => Math.abs(Math.log(d / Math.max(near, 1e-9)));
  divisors.sort((x, y) => score(x) - score(y) || x - y);
  return divisors.slice(0, count).sort((x, y) => x - y);
}
