/**
 * Number and duration formatting for the progress display.
 */

/** `m:ss` under an hour, `h:mm:ss` above: `formatDuration(83_000)` is `1:23`. Negative or NaN gives `-`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const sec = String(totalS % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** An integer with thousands separators: `12,345`. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
}

/** A return with one decimal, `-` when undefined (no episode finished yet). */
export function formatReturn(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(1);
}
