/**
 * DictSpace: named sub-spaces (as Gymnasium 1.x `gymnasium/spaces/dict.py`). As Gymnasium does for a
 * plain dict, keys are kept in sorted order, and flattening concatenates the sub-spaces in that order.
 * (JavaScript sorts by UTF-16 code unit, Python by code point: they differ only for keys with
 * characters outside the Basic Multilingual Plane.)
 */
import { describeValue } from './describe-value.js';
import { explainNotContained } from './explain.js';
import type { Rng, Space, SpaceJson, SpaceValue } from './space.js';

/** A value of a Dict space. */
export type DictValue = { [key: string]: SpaceValue };

/** A Dict space. */
export class DictSpace implements Space<DictValue> {
  readonly type = 'Dict' as const;
  readonly shape: readonly number[] | undefined = undefined;
  /** Sub-space names, sorted. */
  readonly keys: readonly string[];
  /** The sub-spaces by name. */
  readonly spaces: Readonly<Record<string, Space>>;
  readonly flatSize: number;
  private readonly ordered: readonly Space[];

  /** @throws TypeError when a member is not a space. */
  constructor(spaces: Readonly<Record<string, Space>>) {
    const keys = Object.keys(spaces).sort();
    const ordered: Space[] = [];
    for (const key of keys) {
      const s = spaces[key];
      if (typeof s !== 'object' || s === null || typeof s.flattenInto !== 'function') {
        throw new TypeError(`DictSpace: spaces.${key} (${describeValue(s)}) is not a Space.`);
      }
      ordered.push(s);
    }
    this.keys = Object.freeze(keys);
    this.ordered = ordered;
    this.spaces = Object.freeze(Object.fromEntries(keys.map((k, i) => [k, ordered[i]!])));
    this.flatSize = ordered.reduce((a, s) => a + s.flatSize, 0);
  }

  sample(rng: Rng): DictValue {
    const out: DictValue = {};
    for (let i = 0; i < this.keys.length; i++) out[this.keys[i]!] = this.ordered[i]!.sample(rng);
    return out;
  }

  contains(x: unknown): x is DictValue {
    return this.explain(x) === undefined;
  }

  /** Why `x` is not a member (missing/extra keys or the offending entry); undefined if it is. */
  explain(x: unknown): string | undefined {
    if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) {
      return `expected an object with keys {${this.keys.join(', ')}} (Dict), got ${describeValue(x)}`;
    }
    const record = x as Record<string, unknown>;
    const missing = this.keys.filter((k) => !Object.hasOwn(record, k));
    if (missing.length > 0) return `missing key(s) ${missing.join(', ')}`;
    const extra = Object.keys(record).filter((k) => !Object.hasOwn(this.spaces, k));
    if (extra.length > 0) return `unexpected key(s) ${extra.join(', ')}; expected {${this.keys.join(', ')}}`;
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i]!;
      const why = explainNotContained(this.ordered[i]!, record[key]);
      if (why !== undefined) return `.${key}: ${why}`;
    }
    return undefined;
  }

  toJson(): SpaceJson {
    return {
      type: 'Dict',
      spaces: Object.fromEntries(this.keys.map((k, i) => [k, this.ordered[i]!.toJson()])),
    };
  }

  flattenInto(x: DictValue, out: Float32Array, offset: number): void {
    let at = offset;
    for (let i = 0; i < this.keys.length; i++) {
      const space = this.ordered[i]!;
      space.flattenInto(x[this.keys[i]!]!, out, at);
      at += space.flatSize;
    }
  }

  flatten(x: DictValue): Float32Array {
    const out = new Float32Array(this.flatSize);
    this.flattenInto(x, out, 0);
    return out;
  }

  /** @throws RangeError when `flat` has the wrong length. */
  unflatten(flat: Float32Array): DictValue {
    if (flat.length !== this.flatSize) {
      throw new RangeError(`DictSpace.unflatten: expected ${this.flatSize} elements, got ${flat.length}.`);
    }
    const out: DictValue = {};
    let at = 0;
    for (let i = 0; i < this.keys.length; i++) {
      const space = this.ordered[i]!;
      out[this.keys[i]!] = space.unflatten(flat.subarray(at, at + space.flatSize));
      at += space.flatSize;
    }
    return out;
  }
}
