/**
 * Builds a space from its JSON form ({@link SpaceJson}), validating everything: this is what reads
 * spaces arriving from other processes (the env protocol) and from files, so every error names the
 * path of the offending field, its value and what was expected.
 */
import { didYouMeanSuffix } from '../did-you-mean.js';
import { Box } from './box.js';
import { describeValue } from './describe-value.js';
import { DictSpace } from './dict-space.js';
import { Discrete } from './discrete.js';
import { BOX_DTYPES, isBoxDtype } from './dtypes.js';
import { MultiBinary } from './multi-binary.js';
import { MultiDiscrete } from './multi-discrete.js';
import type { BoxDtype, Space, SpaceJson } from './space.js';
import { TupleSpace } from './tuple-space.js';

/** A space JSON that does not describe a valid space; `path` names the field (e.g. `space.spaces[1].low[3]`). */
export class SpaceJsonError extends Error {
  override readonly name = 'SpaceJsonError';
  /** @param path where the problem is. @param problem what is wrong (value and expectation). */
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}${problem}`);
  }
}

const SPACE_TYPES: readonly SpaceJson['type'][] = [
  'Discrete',
  'Box',
  'MultiDiscrete',
  'MultiBinary',
  'Tuple',
  'Dict',
];

const FIELDS: Readonly<
  Record<SpaceJson['type'], { required: readonly string[]; optional: readonly string[] }>
> = {
  Discrete: { required: ['n'], optional: ['start'] },
  Box: { required: ['shape', 'dtype', 'low', 'high'], optional: [] },
  MultiDiscrete: { required: ['nvec'], optional: ['start'] },
  MultiBinary: { required: ['shape'], optional: [] },
  Tuple: { required: ['spaces'], optional: [] },
  Dict: { required: ['spaces'], optional: [] },
};

/** Nesting deeper than this is rejected (a guard against hostile or runaway input). */
const MAX_DEPTH = 32;

/**
 * Builds the space that `json` describes. `start` of Discrete/MultiDiscrete may be omitted (0, as
 * Gymnasium); every other field is required and unknown fields are errors.
 * @param path the name used for the root in error messages. @default 'space'
 * @throws SpaceJsonError naming the field, its value and what was expected.
 */
export function spaceFromJson(json: unknown, path = 'space'): Space {
  return build(json, path, 0);
}

function build(json: unknown, path: string, depth: number): Space {
  if (depth > MAX_DEPTH) throw new SpaceJsonError(path, `: spaces nest deeper than ${MAX_DEPTH} levels`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SpaceJsonError(path, ` (${describeValue(json)}) must be an object with a "type" field`);
  }
  const obj = json as Record<string, unknown>;
  const type = obj['type'];
  if (typeof type !== 'string' || !(SPACE_TYPES as readonly string[]).includes(type)) {
    const hint = typeof type === 'string' ? didYouMeanSuffix(type, SPACE_TYPES) : '';
    throw new SpaceJsonError(
      `${path}.type`,
      ` (${describeValue(type)}) must be one of ${SPACE_TYPES.join(', ')}.${hint}`,
    );
  }
  const t = type as SpaceJson['type'];
  checkFields(obj, t, path);
  try {
    switch (t) {
      case 'Discrete':
        return new Discrete(
          integer(obj['n'], `${path}.n`),
          obj['start'] === undefined ? 0 : integer(obj['start'], `${path}.start`),
        );
      case 'Box':
        return buildBox(obj, path);
      case 'MultiDiscrete': {
        const nvec = integerArray(obj['nvec'], `${path}.nvec`);
        const start = obj['start'] === undefined ? undefined : integerArray(obj['start'], `${path}.start`);
        return new MultiDiscrete(nvec, start);
      }
      case 'MultiBinary':
        return new MultiBinary(integerArray(obj['shape'], `${path}.shape`));
      case 'Tuple': {
        const spaces = obj['spaces'];
        if (!Array.isArray(spaces)) {
          throw new SpaceJsonError(
            `${path}.spaces`,
            ` (${describeValue(spaces)}) must be an array of spaces`,
          );
        }
        return new TupleSpace(spaces.map((s, i) => build(s, `${path}.spaces[${i}]`, depth + 1)));
      }
      case 'Dict': {
        const spaces = obj['spaces'];
        if (typeof spaces !== 'object' || spaces === null || Array.isArray(spaces)) {
          throw new SpaceJsonError(
            `${path}.spaces`,
            ` (${describeValue(spaces)}) must be an object of named spaces`,
          );
        }
        const built: Record<string, Space> = {};
        for (const [key, s] of Object.entries(spaces))
          built[key] = build(s, `${path}.spaces.${key}`, depth + 1);
        return new DictSpace(built);
      }
    }
  } catch (e) {
    if (e instanceof SpaceJsonError) throw e;
    // A constructor's own check (e.g. low > high): keep its message, prefixed with where it happened.
    throw new SpaceJsonError(path, `: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkFields(obj: Record<string, unknown>, type: SpaceJson['type'], path: string): void {
  const { required, optional } = FIELDS[type];
  const known = ['type', ...required, ...optional];
  for (const key of required) {
    if (obj[key] === undefined)
      throw new SpaceJsonError(
        `${path}.${key}`,
        ` is missing (a ${type} space needs ${required.join(', ')})`,
      );
  }
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new SpaceJsonError(
        `${path}.${key}`,
        ` is not a field of a ${type} space (fields: ${known.join(', ')}).${didYouMeanSuffix(key, known)}`,
      );
    }
  }
}

function buildBox(obj: Record<string, unknown>, path: string): Box<BoxDtype> {
  const shape = integerArray(obj['shape'], `${path}.shape`);
  const dtype = obj['dtype'];
  if (!isBoxDtype(dtype)) {
    const hint = typeof dtype === 'string' ? didYouMeanSuffix(dtype, BOX_DTYPES) : '';
    throw new SpaceJsonError(
      `${path}.dtype`,
      ` (${describeValue(dtype)}) must be one of ${BOX_DTYPES.join(', ')}.${hint}`,
    );
  }
  for (const [i, d] of shape.entries()) {
    if (d < 0) throw new SpaceJsonError(`${path}.shape[${i}]`, ` (${d}) must be a non-negative integer`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const low = boundArray(obj['low'], `${path}.low`, size, shape, Number.NEGATIVE_INFINITY);
  const high = boundArray(obj['high'], `${path}.high`, size, shape, Number.POSITIVE_INFINITY);
  return new Box({ shape, dtype, low, high });
}

function integer(x: unknown, path: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) {
    throw new SpaceJsonError(path, ` (${describeValue(x)}) must be an integer`);
  }
  return x;
}

function integerArray(x: unknown, path: string): number[] {
  if (!Array.isArray(x))
    throw new SpaceJsonError(path, ` (${describeValue(x)}) must be an array of integers`);
  return x.map((v, i) => integer(v, `${path}[${i}]`));
}

/** A bound array: numbers, or null for an infinite bound (JSON has no Infinity). */
function boundArray(x: unknown, path: string, size: number, shape: number[], infinity: number): Float64Array {
  if (!Array.isArray(x)) {
    throw new SpaceJsonError(path, ` (${describeValue(x)}) must be an array of ${size} numbers or nulls`);
  }
  if (x.length !== size) {
    throw new SpaceJsonError(path, ` has ${x.length} elements but shape [${shape.join(', ')}] needs ${size}`);
  }
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const v: unknown = x[i];
    if (v === null) out[i] = infinity;
    else if (typeof v === 'number' && !Number.isNaN(v)) out[i] = v;
    else
      throw new SpaceJsonError(`${path}[${i}]`, ` (${describeValue(v)}) must be a number or null (infinite)`);
  }
  return out;
}
