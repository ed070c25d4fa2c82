/**
 * TupleSpace: a fixed-length sequence of spaces (as Gymnasium 1.x `gymnasium/spaces/tuple.py`).
 * Values are arrays with one member per sub-space; flattening concatenates the sub-spaces' flattenings.
 */
import { describeValue } from './describe-value.js';
import { explainNotContained } from './explain.js';
import type { Rng, Space, SpaceJson, SpaceValue } from './space.js';

/** A Tuple space. */
export class TupleSpace implements Space<SpaceValue[]> {
  readonly type = 'Tuple' as const;
  readonly shape: readonly number[] | undefined = undefined;
  readonly spaces: readonly Space[];
  readonly flatSize: number;

  /** @throws TypeError when an element is not a space. */
  constructor(spaces: readonly Space[]) {
    for (const [i, s] of spaces.entries()) {
      if (typeof s !== 'object' || s === null || typeof s.flattenInto !== 'function') {
        throw new TypeError(`TupleSpace: spaces[${i}] (${describeValue(s)}) is not a Space.`);
      }
    }
    this.spaces = Object.freeze([...spaces]);
    this.flatSize = spaces.reduce((a, s) => a + s.flatSize, 0);
  }

  sample(rng: Rng): SpaceValue[] {
    return this.spaces.map((s) => s.sample(rng));
  }

  contains(x: unknown): x is SpaceValue[] {
    return this.explain(x) === undefined;
  }

  /** Why `x` is not a member (with the index of the offending element); undefined if it is. */
  explain(x: unknown): string | undefined {
    if (!Array.isArray(x))
      return `expected an array of ${this.spaces.length} elements (Tuple), got ${describeValue(x)}`;
    if (x.length !== this.spaces.length)
      return `expected ${this.spaces.length} elements (Tuple), got ${x.length}`;
    for (let i = 0; i < x.length; i++) {
      const why = explainNotContained(this.spaces[i]!, x[i]);
      if (why !== undefined) return `[${i}]: ${why}`;
    }
    return undefined;
  }

  toJson(): SpaceJson {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJson()) };
  }

  flattenInto(x: SpaceValue[], out: Float32Array, offset: number): void {
    let at = offset;
    for (let i = 0; i < this.spaces.length; i++) {
      const space = this.spaces[i]!;
      space.flattenInto(x[i]!, out, at);
      at += space.flatSize;
    }
  }

  flatten(x: SpaceValue[]): Float32Array {
    const out = new Float32Array(this.flatSize);
    this.flattenInto(x, out, 0);
    return out;
  }

  /** @throws RangeError when `flat` has the wrong length. */
  unflatten(flat: Float32Array): SpaceValue[] {
    if (flat.length !== this.flatSize) {
      throw new RangeError(`TupleSpace.unflatten: expected ${this.flatSize} elements, got ${flat.length}.`);
    }
    const out: SpaceValue[] = [];
    let at = 0;
    for (const space of this.spaces) {
      out.push(space.unflatten(flat.subarray(at, at + space.flatSize)));
      at += space.flatSize;
    }
    return out;
  }
}
