/**
 * Backend-independent weights: plain `{ name, shape, data }` records that cross processes through
 * msgpackr (`new Packr({ useRecords: false, moreTypes: true })` keeps the Float32Array) and are saved in
 * checkpoints. Every model and optimiser exports and imports this form.
 */

/** One named float32 array, row-major. */
export interface NamedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The weights of a model or the state of an optimiser, in a fixed order. */
export type NamedWeights = readonly NamedWeight[];

/** The number of elements of a shape (1 for a scalar `[]`). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Checks that `value` is {@link NamedWeights} (as read back from a wire message or a checkpoint) and,
 * when `expected` is given, that names and shapes match it one to one, in order.
 * Accepts `data` as a Float32Array or a plain number array (JSON checkpoints) and returns Float32Arrays.
 * @throws TypeError naming `field`, the entry and what was expected.
 */
export function validateNamedWeights(
  value: unknown,
  field: string,
  expected?: readonly { readonly name: string; readonly shape: readonly number[] }[],
): NamedWeights {
  if (!Array.isArray(value)) {
    throw new TypeError(`${field} must be an array of { name, shape, data }, got ${typeof value}.`);
  }
  if (expected !== undefined && value.length !== expected.length) {
    throw new TypeError(
      `${field} has ${value.length} weights, expected ${expected.length} (${expected.map((e) => e.name).join(', ')}); ` +
        'was it saved from a model with another architecture?',
    );
  }
  return value.map((entry: unknown, i): NamedWeight => {
    const at = `${field}[${i}]`;
    if (typeof entry !== 'object' || entry === null)
      throw new TypeError(`${at} must be an object { name, shape, data }.`);
    const { name, shape, data } = entry as { name?: unknown; shape?: unknown; data?: unknown };
    if (typeof name !== 'string') throw new TypeError(`${at}.name must be a string, got ${typeof name}.`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TypeError(
        `${at}.shape (${JSON.stringify(shape)}) must be an array of non-negative integers.`,
      );
    }
    let array: Float32Array;
    if (data instanceof Float32Array) array = data;
    else if (Array.isArray(data) && data.every((x) => typeof x === 'number')) array = Float32Array.from(data);
    else throw new TypeError(`${at}.data (${name}) must be a Float32Array or an array of numbers.`);
    const size = shapeSize(shape as number[]);
    if (array.length !== size) {
      throw new TypeError(
        `${at}.data (${name}) has ${array.length} values, but shape [${shape.join(', ')}] needs ${size}.`,
      );
    }
    const want = expected?.[i];
    if (want !== undefined) {
      if (want.name !== name) throw new TypeError(`${at}.name is '${name}', expected '${want.name}'.`);
      if (want.shape.length !== shape.length || want.shape.some((d, k) => d !== shape[k])) {
        throw new TypeError(
          `${at} (${name}) has shape [${shape.join(', ')}], expected [${want.shape.join(', ')}]; ` +
            'was it saved from a model with another architecture?',
        );
      }
    }
    return { name, shape: [...(shape as number[])], data: array };
  });
}

/** A deep copy (new Float32Arrays), e.g. to keep a snapshot while the source keeps changing. */
export function cloneNamedWeights(weights: NamedWeights): NamedWeights {
  return weights.map((w) => ({ name: w.name, shape: [...w.shape], data: w.data.slice() }));
}
