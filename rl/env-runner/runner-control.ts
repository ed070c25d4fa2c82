/**
 * Validation of what the driver sends env runners besides sample requests: the exploration state
 * ({@link RunnerControl}) and versioned weights. Both cross processes, so both are untrusted input.
 */
import type { RunnerControl } from '../algorithm.js';
import { type NamedWeights, validateNamedWeights } from '../models/named-weights.js';

/** Weights as published by the driver: put once per version, pulled by runners that are behind. */
export interface VersionedWeights {
  /** Increases by 1 with every publication (0 is the first). */
  readonly version: number;
  readonly weights: NamedWeights;
}

/**
 * Checks a {@link RunnerControl} from the wire.
 * @throws TypeError naming the field and what was expected.
 */
export function validateRunnerControl(x: unknown, where = 'runner control'): RunnerControl {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new TypeError(`${where} must be an object like { epsilon: 0.1 }, got ${JSON.stringify(x)}.`);
  }
  const out: { epsilon?: number } = {};
  for (const [key, value] of Object.entries(x)) {
    if (key !== 'epsilon') throw new TypeError(`${where}: unknown field '${key}' (known: epsilon).`);
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new TypeError(`${where}.epsilon (${String(value)}) must be a number in [0, 1].`);
    }
    out.epsilon = value;
  }
  return out;
}

/**
 * Checks {@link VersionedWeights} from the wire.
 * @throws TypeError naming the field and what was expected.
 */
export function validateVersionedWeights(x: unknown, where = 'weights'): VersionedWeights {
  const p = x as { version?: unknown; weights?: unknown } | null;
  const version = p?.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new TypeError(`${where}.version (${String(version)}) must be a non-negative integer.`);
  }
  return { version, weights: validateNamedWeights(p?.weights, `${where}.weights`) };
}
