/**
 * Short, bounded descriptions of arbitrary values for error messages.
 */

import type { Space } from './space.js';

const MAX_ITEMS = 8;

/** A space in a few words for messages: `Box float32 [2, 3]`, `Discrete(4)`, `Dict`. */
export function describeSpace(space: Space): string {
  const json = space.toJson();
  switch (json.type) {
    case 'Box':
      return `Box ${json.dtype} [${json.shape.join(', ')}]`;
    case 'Discrete':
      return `Discrete(${json.n}${json.start === 0 ? '' : `, start ${json.start}`})`;
    case 'MultiDiscrete':
      return `MultiDiscrete [${json.nvec.join(', ')}]`;
    case 'MultiBinary':
      return `MultiBinary [${json.shape.join(', ')}]`;
    default:
      return json.type;
  }
}

/** Describes `x` in at most a few dozen characters: its kind and a preview of its content. */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint')
    return `${typeof x} ${String(x)}`;
  if (typeof x === 'string') return `string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x)}`;
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const arr = x as unknown as ArrayLike<number>;
    return `${x.constructor.name}(${arr.length}) ${preview(arr)}`;
  }
  if (Array.isArray(x)) return `Array(${x.length}) ${preview(x)}`;
  if (typeof x === 'object') {
    const keys = Object.keys(x);
    const shown = keys.slice(0, MAX_ITEMS).join(', ');
    return `object {${shown}${keys.length > MAX_ITEMS ? ', ...' : ''}}`;
  }
  return typeof x;
}

function preview(arr: ArrayLike<unknown>): string {
  const items: string[] = [];
  for (let i = 0; i < Math.min(arr.length, MAX_ITEMS); i++) {
    const v = arr[i];
    items.push(typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v);
  }
  return `[${items.join(', ')}${arr.length > MAX_ITEMS ? ', ...' : ''}]`;
}
