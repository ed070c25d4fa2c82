/**
 * Suggestions for mistyped names and values: Levenshtein distance, "did you mean", and the small
 * formatting helpers that error messages share ("2, 4 or 8").
 */

/** The Levenshtein edit distance (insertions, deletions, substitutions each cost 1) between `a` and `b`. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // One row of the dynamic-programming table at a time: O(|b|) memory.
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `input`, or undefined when none is close enough. A case-insensitive match
 * always wins; otherwise the distance must be at most max(2, a third of the input's length); failing
 * that, a candidate that starts with the input (3+ characters) is suggested.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  const limit = Math.max(2, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = levenshtein(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (bestDistance <= limit) return best;
  // A truncated name (`numEnvs` for `numEnvsPerRunner`) is a likely miss too.
  return lower.length >= 3 ? candidates.find((c) => c.toLowerCase().startsWith(lower)) : undefined;
}

/** Joins items as English: `a`, `a or b`, `a, b or c` (the conjunction is configurable). */
export function formatChoices(items: readonly string[], conjunction = 'or'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]!}`;
}

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
