/** Parsers for CLI flag values: each rejects bad input with a message naming the flag. */
import { InvalidArgumentError } from 'commander';

/** Parses a non-negative integer flag value such as `--seed 3`. */
export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got "${value}".`);
  }
  return n;
}

/** Parses a positive integer flag value such as `--episodes 10`. */
export function parsePositiveInt(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n === 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}".`);
  return n;
}

/** Parses a finite number flag value such as `--stop-return 475`. */
export function parseFiniteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`expected a number, got "${value}".`);
  }
  return n;
}

/** Collects a repeatable flag (`--set a=1 --set b=2`) into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
