/**
 * "Did you mean" suggestions for unknown names (env ids, space fields), by Levenshtein distance.
 */

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[y.length]!;
}

/**
 * The candidate closest to `name`, when it is close enough to be a plausible typo (distance at most
 * a third of the name's length, at least 2) or contains/is contained in it; undefined otherwise.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(name, c);
    const substring =
      lower.length >= 3 && (c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()));
    const score = substring ? Math.min(d, 1) : d;
    if (score < bestDistance) {
      bestDistance = score;
      best = c;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** `" Did you mean 'x'?"` or the empty string, to append to an error message. */
export function didYouMeanSuffix(name: string, candidates: Iterable<string>): string {
  const s = didYouMean(name, candidates);
  return s === undefined ? '' : ` Did you mean '${s}'?`;
}
