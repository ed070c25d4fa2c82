/**
 * Suggestions for mistyped names (options, config keys, env ids, algorithms): the one Levenshtein
 * distance and "did you mean" of tsrl, used by every layer's error messages.
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
 * always wins; otherwise the case-insensitive distance must be at most max(2, a third of the input's
 * length); failing that, a candidate that starts with or contains the input (3+ characters), or is
 * contained in it, is suggested (`numEnvs` for `numEnvsPerRunner`, `Pendulum` for `Pendulum-v1`).
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const lower = input.toLowerCase();
  const exact = list.find((c) => c.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  const limit = Math.max(2, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of list) {
    const distance = levenshtein(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (bestDistance <= limit) return best;
  if (lower.length < 3) return undefined;
  return (
    list.find((c) => c.toLowerCase().startsWith(lower)) ??
    list.find((c) => c.toLowerCase().includes(lower) || (c.length >= 3 && lower.includes(c.toLowerCase())))
  );
}

/** Joins items as English: `a`, `a or b`, `a, b or c` (the conjunction is configurable). */
export function formatChoices(items: readonly string[], conjunction = 'or'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]!}`;
}
